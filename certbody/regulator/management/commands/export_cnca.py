from ._export import ExportCommand


class Command(ExportCommand):
    help = (
        "Generate the CNCA certificate information sheet (证书信息表) for a date range or the changes since the last."
    )
    kind = "cnca"
