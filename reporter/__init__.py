"""reporter：把党支部的标准 Excel 工作簿生成为公文格式的对照检查材料与汇总材料。"""

__version__ = "0.1.0"

# The version of the standard workbook that `reporter template` writes and the
# reader understands.  Recorded in the workbook as the defined name
# ``REPORTER_TEMPLATE_VERSION`` and as the custom document property of the
# same name.
TEMPLATE_VERSION = 1
