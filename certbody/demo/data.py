"""Names for the demo: the people of a Chinese fintech certification centre, its clients and labs.

The two banks are real institutions named as examples of typical clients; their codes,
contacts and every record about them here are invented. Cases that end badly (a refusal,
a withdrawal, a rejection) are given to the invented companies only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from certbody.clients.validators import uscc_check_char
from certbody.core.roles import Role

_ORG_CODE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(serial: int) -> str:
    """A 9-character organisation code (GB 11714): 8 digits and its check character."""
    body = f"{serial % 100_000_000:08d}"
    total = sum(_ORG_CODE_CHARS.index(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(region: str, serial: int) -> str:
    """A well-formed unified social credit code for an enterprise (登记管理部门 9, 企业 1)."""
    first17 = "91" + region + organisation_code(serial)
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class StaffMember:
    username: str
    role: str
    name: str
    superuser: bool = False


STAFF = [
    StaffMember("market", Role.MARKET, "李娜"),
    StaffMember("engineer", Role.ENGINEER, "张伟"),
    StaffMember("engineer2", Role.ENGINEER, "王芳"),
    StaffMember("inspector", Role.INSPECTOR, "刘洋"),
    StaffMember("inspector2", Role.INSPECTOR, "陈静"),
    StaffMember("inspector3", Role.INSPECTOR, "杨帆"),
    StaffMember("reviewer", Role.REVIEWER, "赵磊"),
    StaffMember("decider", Role.DECIDER, "孙丽"),
    StaffMember("quality", Role.QUALITY, "周强"),
    StaffMember("management", Role.MANAGEMENT, "吴刚"),
    StaffMember("hr", Role.HR, "冯娟"),
    StaffMember("regulator", Role.REGULATOR, "郑洁"),
    StaffMember("admin", Role.ADMIN, "系统管理员", superuser=True),
]


@dataclass(frozen=True)
class SiteSpec:
    manufacturer: str
    manufacturer_en: str
    manufacturer_address: str
    site: str
    site_address: str


@dataclass(frozen=True)
class ClientSpec:
    key: str
    name: str
    name_en: str
    region: str
    serial: int
    address: str
    address_en: str
    city: str
    contact: str
    phone: str
    user: str
    user_name: str
    sites: list[SiteSpec] = field(default_factory=list)


CLIENTS = [
    ClientSpec(
        "cqbank",
        "重庆银行股份有限公司",
        "Bank of Chongqing Co., Ltd.",
        "500105",
        20283145,
        "重庆市江北区永平门街6号",
        "No. 6 Yongpingmen Street, Jiangbei District, Chongqing",
        "重庆",
        "王敏",
        "023-63799001",
        "client1",
        "王敏",
        [
            SiteSpec(
                "重庆银行股份有限公司",
                "Bank of Chongqing Co., Ltd.",
                "重庆市江北区永平门街6号",
                "重庆银行软件开发中心",
                "重庆市渝北区星光大道70号",
            )
        ],
    ),
    ClientSpec(
        "cqrcb",
        "重庆农村商业银行股份有限公司",
        "Chongqing Rural Commercial Bank Co., Ltd.",
        "500105",
        45039271,
        "重庆市江北区金沙门路36号",
        "No. 36 Jinshamen Road, Jiangbei District, Chongqing",
        "重庆",
        "陈晓东",
        "023-61110002",
        "client2",
        "陈晓东",
        [
            SiteSpec(
                "重庆农村商业银行股份有限公司",
                "Chongqing Rural Commercial Bank Co., Ltd.",
                "重庆市江北区金沙门路36号",
                "重庆农商行金融科技中心",
                "重庆市两江新区金渝大道99号",
            )
        ],
    ),
    ClientSpec(
        "liangjiang",
        "重庆两江智能支付设备有限公司",
        "Chongqing Liangjiang Smart Payment Equipment Co., Ltd.",
        "500112",
        71826350,
        "重庆市渝北区两江新区金开大道1号",
        "No. 1 Jinkai Avenue, Liangjiang New Area, Chongqing",
        "重庆",
        "刘志强",
        "023-67880003",
        "client3",
        "刘志强",
        [
            SiteSpec(
                "重庆两江智能支付设备有限公司",
                "Chongqing Liangjiang Smart Payment Equipment Co., Ltd.",
                "重庆市渝北区两江新区金开大道1号",
                "两江支付终端生产基地",
                "重庆市渝北区空港工业园区宝圣大道8号",
            ),
            SiteSpec(
                "深圳华智电子制造有限公司",
                "Shenzhen Huazhi Electronics Manufacturing Co., Ltd.",
                "深圳市宝安区福永街道凤凰第一工业区",
                "华智电子福永工厂",
                "深圳市宝安区福永街道凤凰第一工业区3栋",
            ),
        ],
    ),
    ClientSpec(
        "shuyun",
        "西部数云科技（重庆）有限公司",
        "Western Data Cloud Technology (Chongqing) Co., Ltd.",
        "500112",
        36690418,
        "重庆市两江新区水土高新园云汉大道5号",
        "No. 5 Yunhan Avenue, Shuitu Hi-tech Park, Chongqing",
        "重庆",
        "赵云",
        "023-68660004",
        "client4",
        "赵云",
        [
            SiteSpec(
                "西部数云科技（重庆）有限公司",
                "Western Data Cloud Technology (Chongqing) Co., Ltd.",
                "重庆市两江新区水土高新园云汉大道5号",
                "数云两江数据中心",
                "重庆市两江新区水土街道云汉大道5号附1号",
            )
        ],
    ),
    ClientSpec(
        "yuxin",
        "渝芯微电子股份有限公司",
        "Yuxin Microelectronics Co., Ltd.",
        "500106",
        58117724,
        "重庆市沙坪坝区西永微电园研发楼A座",
        "Building A, Xiyong Microelectronics Park, Shapingba District, Chongqing",
        "重庆",
        "黄志芯",
        "023-65550005",
        "client5",
        "黄志芯",
        [
            SiteSpec(
                "渝芯微电子股份有限公司",
                "Yuxin Microelectronics Co., Ltd.",
                "重庆市沙坪坝区西永微电园研发楼A座",
                "渝芯芯片设计中心",
                "重庆市沙坪坝区西永微电园研发楼A座5层",
            ),
            SiteSpec(
                "华东晶圆制造有限公司",
                "East China Wafer Manufacturing Co., Ltd.",
                "上海市浦东新区张江高科技园区",
                "华东晶圆张江封测厂",
                "上海市浦东新区张江路1200号",
            ),
        ],
    ),
    ClientSpec(
        "shengwen",
        "重庆声纹智能科技有限公司",
        "Chongqing Voiceprint Intelligence Technology Co., Ltd.",
        "500103",
        83350962,
        "重庆市渝中区民族路188号",
        "No. 188 Minzu Road, Yuzhong District, Chongqing",
        "重庆",
        "何晓燕",
        "023-63330006",
        "client6",
        "何晓燕",
        [
            SiteSpec(
                "重庆声纹智能科技有限公司",
                "Chongqing Voiceprint Intelligence Technology Co., Ltd.",
                "重庆市渝中区民族路188号",
                "声纹科技研发中心",
                "重庆市渝中区民族路188号12层",
            )
        ],
    ),
]


@dataclass(frozen=True)
class LabSpec:
    key: str
    name: str
    name_en: str
    accreditation: str
    address: str
    categories: tuple[str, ...]
    user: str
    user_name: str


LABS = [
    LabSpec(
        "software",
        "重庆金融科技测评中心实验室",
        "Chongqing Fintech Testing Center Laboratory",
        "CNAS L15321",
        "重庆市江北区金融城2号T3栋",
        ("FT01", "FT04", "FT07", "FT08", "FT10", "FT11", "FT12", "FT13", "FT14"),
        "lab1",
        "何平",
    ),
    LabSpec(
        "hardware",
        "西南智能终端检测实验室",
        "Southwest Smart Terminal Testing Laboratory",
        "CNAS L16874",
        "四川省成都市高新区天府五街200号",
        ("FT02", "FT03", "FT05", "FT06", "FT09"),
        "lab2",
        "邓宇",
    ),
]

DEMO_USERNAMES = [s.username for s in STAFF] + [c.user for c in CLIENTS] + [lab.user for lab in LABS]


def demo_usccs() -> list[str]:
    return [make_uscc(c.region, c.serial) for c in CLIENTS]


# --- lists for the bulk load --------------------------------------------------------------------

BULK_CITIES = [
    ("重庆", "500000", "渝北区金开大道"),
    ("成都", "510100", "高新区天府大道"),
    ("深圳", "440300", "南山区科技园"),
    ("上海", "310000", "浦东新区张江路"),
    ("北京", "110000", "海淀区中关村大街"),
    ("杭州", "330100", "西湖区文三路"),
    ("南京", "320100", "建邺区江东中路"),
    ("武汉", "420100", "东湖高新区光谷大道"),
    ("西安", "610100", "高新区锦业路"),
    ("广州", "440100", "天河区珠江新城"),
    ("苏州", "320500", "工业园区星湖街"),
    ("天津", "120000", "滨海新区第三大街"),
]
BULK_TRADE_NAMES = [
    "银信",
    "融通",
    "汇智",
    "金盾",
    "恒泰",
    "安付",
    "云联",
    "数科",
    "信达",
    "智付",
    "华锐",
    "天元",
    "易通",
    "中科金",
    "长江",
    "新致",
    "君安",
    "博远",
    "同创",
    "鼎信",
]
BULK_INDUSTRIES = ["金融科技", "支付技术", "信息技术", "电子科技", "网络科技", "智能设备", "软件技术"]

BULK_PRODUCTS = {
    "FT01": ["手机银行客户端", "企业手机银行客户端", "直销银行客户端", "信用卡客户端", "移动支付客户端"],
    "FT02": ["金融IC卡安全芯片", "移动支付安全芯片", "eSE安全芯片"],
    "FT03": ["金融IC卡", "移动支付SIM卡", "可穿戴支付载体"],
    "FT04": ["金融IC卡嵌入式应用", "手机钱包嵌入式应用"],
    "FT05": ["自动柜员机", "存取款一体机", "智能柜员机"],
    "FT06": ["智能POS终端", "传统POS终端", "移动POS终端"],
    "FT07": ["手机可信执行环境", "可信执行环境操作系统"],
    "FT08": ["移动支付可信应用", "身份认证可信应用"],
    "FT09": ["扫码支付盒子", "条码支付受理终端", "聚合支付收款台"],
    "FT10": ["声纹识别身份认证系统", "声纹核身平台"],
    "FT11": ["金融云平台", "私有云平台", "行业云平台"],
    "FT12": ["区块链服务平台", "供应链金融区块链平台"],
    "FT13": ["开放银行API平台", "应用程序接口网关"],
    "FT14": ["多方安全计算平台", "联合风控平台"],
}
BULK_MODEL_PREFIXES = ["A", "S", "T", "X", "M", "Pro", "Lite"]
