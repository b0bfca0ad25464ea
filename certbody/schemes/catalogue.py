"""Default catalogue: the 14 fintech product categories (SAMR + PBOC 2019, 2022 batch) and a scheme each.

Loaded by a data migration; everything here is editable afterwards by an administrator.
"""

from __future__ import annotations

from datetime import date

F = "follow_up_inspection"
FS = "factory_sampling"
MS = "market_sampling"

# code, Chinese, English, batch, hardware?, standards [(code, version, title)]
CATEGORIES = [
    (
        "FT01",
        "客户端软件",
        "Client software",
        2019,
        False,
        [("JR/T 0092", "2019", "移动金融客户端应用软件安全管理规范")],
    ),
    (
        "FT02",
        "安全芯片",
        "Security chip",
        2019,
        True,
        [("JR/T 0098.2", "2012", "中国金融移动支付 检测规范 第2部分：安全芯片")],
    ),
    (
        "FT03",
        "安全载体",
        "Security carrier",
        2019,
        True,
        [("JR/T 0098.3", "2012", "中国金融移动支付 检测规范 第3部分：安全载体")],
    ),
    (
        "FT04",
        "嵌入式应用软件",
        "Embedded application software",
        2019,
        False,
        [("JR/T 0098.4", "2012", "中国金融移动支付 检测规范 第4部分：嵌入式应用软件")],
    ),
    ("FT05", "ATM终端", "ATM terminal", 2019, True, [("JR/T 0002", "2019", "银行卡自动柜员机（ATM）终端技术规范")]),
    ("FT06", "POS终端", "POS terminal", 2019, True, [("JR/T 0001", "2019", "银行卡销售点（POS）终端技术规范")]),
    (
        "FT07",
        "可信执行环境（TEE）",
        "Trusted execution environment (TEE)",
        2019,
        False,
        [("JR/T 0156", "2017", "移动终端支付可信环境技术规范")],
    ),
    (
        "FT08",
        "可信应用程序（TA）",
        "Trusted application (TA)",
        2019,
        False,
        [("JR/T 0156", "2017", "移动终端支付可信环境技术规范")],
    ),
    (
        "FT09",
        "条码支付受理终端",
        "Barcode payment acceptance terminal",
        2019,
        True,
        [("JR/T 0190", "2020", "条码支付受理终端技术规范")],
    ),
    (
        "FT10",
        "声纹识别系统",
        "Voiceprint recognition system",
        2019,
        False,
        [("JR/T 0164", "2018", "移动金融基于声纹识别的安全应用技术规范")],
    ),
    (
        "FT11",
        "云计算平台",
        "Cloud computing platform",
        2019,
        False,
        [
            ("JR/T 0166", "2020", "云计算技术金融应用规范 技术架构"),
            ("JR/T 0167", "2020", "云计算技术金融应用规范 安全技术要求"),
        ],
    ),
    (
        "FT12",
        "区块链技术产品",
        "Blockchain technology product",
        2022,
        False,
        [("JR/T 0184", "2020", "金融分布式账本技术安全规范")],
    ),
    (
        "FT13",
        "商业银行应用程序接口",
        "Commercial bank application programming interface",
        2022,
        False,
        [("JR/T 0185", "2020", "商业银行应用程序接口安全管理规范")],
    ),
    (
        "FT14",
        "多方安全计算金融应用",
        "Secure multi-party computation financial application",
        2022,
        False,
        [("JR/T 0196", "2020", "多方安全计算金融应用技术规范")],
    ),
]


def load_default_catalogue(apps=None) -> None:
    """Create the categories, standards, one scheme per category and its current rules (idempotent)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Category = apps.get_model("schemes", "ProductCategory")
    Standard = apps.get_model("schemes", "Standard")
    Scheme = apps.get_model("schemes", "Scheme")
    RuleVersion = apps.get_model("schemes", "RuleVersion")
    for order, (code, zh, en, batch, hardware, standards) in enumerate(CATEGORIES, start=1):
        category, _ = Category.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "batch_year": batch, "sort_order": order}
        )
        n = int(code[2:])
        scheme, created = Scheme.objects.get_or_create(
            code=f"NFCC-PC-B{n:02d}",
            defaults={
                "number_code": f"B{n:02d}",
                "name_zh": f"{zh}金融科技产品认证",
                "name_en": f"Fintech product certification: {en}",
                "category": category,
                "type_testing": True,
                "initial_inspection": hardware,
                "surveillance_methods": [F, FS] if hardware else [F, MS],
            },
        )
        if not created:
            continue
        rule = RuleVersion.objects.create(
            scheme=scheme,
            document_code=f"NFCC-IR-B{n:02d}-04" if n == 1 else f"NFCC-IR-B{n:02d}-01",
            version="V1.1/0" if n == 1 else "V1.0/0",
            effective_from=date(2020, 10, 10),
            is_current=True,
        )
        for std_code, version, title in standards:
            standard, _ = Standard.objects.get_or_create(code=std_code, version=version, defaults={"title_zh": title})
            rule.standards.add(standard)
