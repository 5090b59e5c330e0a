"""The demo's story: how long its history is, its messes and floors and their students, and when what
happened, in days from today (negative: before it). mess/demo/__init__.py tells the story."""

from decimal import Decimal

from mess.models import Meal

DAYS = 60  # of history, ending today
# Each mess's floors and the students who eat on each: a floor's diners are its students who came.
# mess1's First floor is a large one.
MESSES = [
    ("mess1", "Mess 1", [("Ground", 150), ("First", 280)]),
    ("mess2", "Mess 2", [("Second", 110), ("Third", 90)]),
]
FOOD_COST = {"mess1": Decimal("82.00"), "mess2": Decimal("76.00")}  # ₹ a kilogram of cooked food

FESTIVAL = (-46, -40)  # a week many students go home for
EXAMS = (-26, -13)  # a fortnight of exams: many skip breakfast, and say so
CLOSURES = [  # mess, first and last day, why
    ("mess1", -24, -24, "Kitchen deep-cleaned"),
    ("mess1", 9, 9, "Holiday"),
    ("mess2", -18, -17, "Water supply repairs"),
]
CAMPAIGN = ("mess1", -30)  # a mess took up the goal of wasting less: its grams per diner fell from this day on
RECENT_DAYS = 10  # what went wrong lately began this many days ago (today included)
HIGH_WASTE_FLOOR = ("mess1", "First")  # a new cook
FEW_DINERS_FLOOR = ("mess2", "Third")  # its students away on internships
INTERNS = 0.8  # of that floor's students
INTERNSHIP_ENDS = 20  # their leave ends this day (it began RECENT_DAYS ago: 30 days, the longest a leave may be)
LOW_RATED_MEAL = ("mess2", Meal.DINNER)
COOKED = ("mess1", 21)  # a mess that weighs what it cooks, and for how many last days it did
COOK_SHEET_DAYS = 7  # the cook sheets kept of each mess: the meals of these last days whose cut-off has passed
