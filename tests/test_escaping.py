"""Student comments (and anything else people type) are shown as text on every page, never as HTML."""

from pathlib import Path

import time_machine

from mess.models import Absence, DailyReport, Floor, WasteRecord
from mess.reports import daily_reports_send
from tests.factories import NOW, TODAY, days_ago, feedback, notification

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = '<script>alert("x")</script> & <b>bold</b>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"


@time_machine.travel(NOW, tick=False)
def test_comments_show_as_text_on_the_dashboard(client, official, mess1):
    feedback(mess1, TODAY, "lunch", 1, SCRIPT)
    notification(mess1, TODAY, "lunch", [SCRIPT])
    client.force_login(official)

    page = client.get("/mess/mess1/").text

    assert page.count(ESCAPED) == 2  # the critical feedback and the notification
    assert "<script>" not in page and "<b>bold" not in page


@time_machine.travel(NOW, tick=False)
def test_comments_show_as_text_to_the_student(client, student, mess1):
    feedback(mess1, TODAY, "breakfast", 4, SCRIPT, student=student)
    feedback(mess1, days_ago(1), "lunch", 4, SCRIPT, student=student)
    client.force_login(student)

    page = client.get("/feedback/").text

    assert page.count(ESCAPED) == 2  # today's, in its form, and yesterday's, in the history
    assert "<script>" not in page and "<b>bold" not in page


@time_machine.travel(NOW, tick=False)
def test_names_show_as_text_in_charts_tables_and_reports(client, official, mess1):
    floor = Floor.objects.create(mess=mess1, name="<b>Roof</b>")
    WasteRecord.objects.create(floor=floor, date=days_ago(1), meal="lunch", total_kg=5)
    daily_reports_send()
    assert DailyReport.objects.filter(mess=mess1).exists()
    client.force_login(official)

    for url in ("/mess/mess1/", "/mess/mess1/waste/", "/mess/mess1/reports/2026-03-09/"):
        page = client.get(url).text
        assert "&lt;b&gt;Roof" in page, url
        assert "<b>Roof" not in page, url


@time_machine.travel(NOW, tick=False)
def test_a_students_name_shows_as_text_on_the_absences_page(client, official, student, mess1):
    student.first_name = SCRIPT
    student.save()
    Absence.objects.create(student=student, mess=mess1, first_day=TODAY, last_day=TODAY, meal="dinner")
    client.force_login(official)

    page = client.get("/mess/mess1/absences/").text

    assert ESCAPED in page and "<script>" not in page


def test_no_template_or_view_marks_text_safe():
    templates = [p for p in (ROOT / "templates").rglob("*.html")]
    code = [
        *(ROOT / "mess" / "views").glob("*.py"),
        *(ROOT / "mess" / "forms").glob("*.py"),
        *(ROOT / "mess" / "templatetags").glob("*.py"),
    ]
    assert templates and code
    for path in templates:
        text = path.read_text()
        assert "|safe" not in text and "autoescape off" not in text and "safeseq" not in text, path
    for path in code:
        assert "mark_safe" not in path.read_text() and "SafeString" not in path.read_text(), path
