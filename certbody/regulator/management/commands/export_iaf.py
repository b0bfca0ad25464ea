from ._export import ExportCommand


class Command(ExportCommand):
    help = "Generate the IAF CertSearch upload (xlsx, zipped by 10,000 rows) and its JSON body."
    kind = "iaf"
