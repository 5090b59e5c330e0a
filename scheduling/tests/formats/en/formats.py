# The tests' one style of a moment, as a project using scheduling sets its own (FORMAT_MODULE_PATH).
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
