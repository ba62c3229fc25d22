"""Reminders before each session (issue 16, item 4): one per scheduled session and member, once.

The gym is in Berlin; "now" is Monday 1 March 2027, 07:00 there, and reminders go out 24 hours
ahead (COACHAPP_REMINDER_HOURS). Sessions are written as rows: what is tested is who is due a
reminder, not how a booking is made.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import event, func, select

from coachapp import notice_mail, reminders_cli
from coachapp.extensions import db
from coachapp.mail import build_message, load_settings
from coachapp.models import Booking, Notification, ReminderSent, TrainingSession, User
from coachapp.reminders_cli import parse_now
from coachapp.services import reminders
from coachapp.vocab import BookingStatus, NotificationKind, SessionStatus, SessionType
from tests.integration.service_helpers import BERLIN, NOW
from tests.integration.test_jobs import no_mail_env, smtp_sink  # noqa: F401 (fixtures)
from tests.integration.test_jobs_redis import redis_url, run_process  # noqa: F401 (fixture)

HOUR = timedelta(hours=1)


def _session(coach, start, member=None, minutes=60, kind=SessionType.ONE_TO_ONE, capacity=1):
    row = TrainingSession(
        coach_id=coach.id,
        member_id=member.id if member is not None else None,
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        type=kind,
        capacity=capacity,
        title="Strength" if kind == SessionType.ONE_TO_ONE else "Yoga",
        status=SessionStatus.SCHEDULED,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _place(session, member, status=BookingStatus.CONFIRMED):
    db.session.add(Booking(session_id=session.id, member_id=member.id, status=status))
    db.session.commit()


def _reminded() -> list[tuple[int, int]]:
    """(session, member) of every reminder notification, sorted."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Notification.session_id, Notification.user_id).where(
            Notification.kind == NotificationKind.REMINDER
        )
    ).all()
    return sorted((s, u) for s, u in rows)


@pytest.fixture
def people(app, make_user):
    coach = make_user("coach", name="Coach Carla", timezone="Europe/Berlin")
    other_coach = make_user("coach", name="Coach Otto", timezone="Europe/Berlin")
    members = [make_user("member", name=f"Member {i}") for i in range(5)]
    return coach, other_coach, members


def test_due_window_is_after_now_and_up_to_the_reminder_hours(people):
    coach, other, (m0, m1, m2, m3, _m4) = people
    _session(coach, NOW, m0)  # under way: too late for a reminder
    due_soon = _session(other, NOW + timedelta(minutes=1), m1)
    due_last = _session(coach, NOW + 24 * HOUR, m2)  # exactly 24 hours ahead: due
    _session(other, NOW + 24 * HOUR + timedelta(minutes=1), m3)  # not yet

    report = reminders.send_due(NOW)

    assert _reminded() == sorted([(due_soon.id, m1.id), (due_last.id, m2.id)])
    assert (report.sent, report.mailed, report.sessions, report.already_sent) == (2, 2, 2, 0)
    assert report.window_end == NOW + 24 * HOUR
    [message] = db.session.scalars(
        select(Notification.message).where(Notification.session_id == due_soon.id)
    )
    assert message == ("Reminder: Strength with Coach Otto, Mon 1 Mar, 07:01–08:01 Berlin time.")


def test_the_window_follows_coachapp_reminder_hours(app, people, monkeypatch):
    coach, _other, (m0, m1, *_rest) = people
    monkeypatch.setitem(app.config, "COACHAPP_REMINDER_HOURS", 2)
    near = _session(coach, NOW + 2 * HOUR, m0)
    _session(coach, NOW + 3 * HOUR, m1)
    assert reminders.send_due(NOW).sent == 1
    assert _reminded() == [(near.id, m0.id)]


def test_group_class_confirmed_places_only(people):
    coach, _other, (m0, m1, m2, m3, m4) = people
    yoga = _session(coach, NOW + 5 * HOUR, kind=SessionType.GROUP, capacity=2)
    _place(yoga, m0)
    _place(yoga, m1)
    _place(yoga, m2, BookingStatus.WAITLISTED)
    _place(yoga, m3, BookingStatus.CANCELLED_BY_MEMBER)
    one_to_one = _session(coach, NOW + 7 * HOUR, m4)

    report = reminders.send_due(NOW)

    assert _reminded() == sorted([(yoga.id, m0.id), (yoga.id, m1.id), (one_to_one.id, m4.id)])
    assert (report.sent, report.sessions) == (3, 2)


def test_cancelled_sessions_and_deactivated_members_get_none(people):
    coach, _other, (m0, m1, *_rest) = people
    cancelled = _session(coach, NOW + 2 * HOUR, m0)
    cancelled.status = SessionStatus.CANCELLED
    db.session.commit()
    _session(coach, NOW + 4 * HOUR, m1)
    m1_row = db.session.get(User, m1.id)
    m1_row.active = False
    db.session.commit()

    assert reminders.send_due(NOW).sent == 0
    assert _reminded() == []


def test_rerun_sends_nothing_twice(people):
    coach, _other, (m0, m1, *_rest) = people
    _session(coach, NOW + 2 * HOUR, m0)
    _session(coach, NOW + 4 * HOUR, m1)

    first = reminders.send_due(NOW)
    again = reminders.send_due(NOW + timedelta(minutes=10))

    assert (first.sent, first.already_sent) == (2, 0)
    assert (again.sent, again.already_sent) == (0, 2)
    assert len(_reminded()) == 2
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 2


def test_a_session_moved_after_its_reminder_gets_one_for_its_new_time(people):
    coach, _other, (m0, *_rest) = people
    session = _session(coach, NOW + 3 * HOUR, m0)
    assert reminders.send_due(NOW).sent == 1

    session = db.session.get(TrainingSession, session.id)
    session.start_time += 2 * HOUR
    session.end_time += 2 * HOUR
    db.session.commit()
    report = reminders.send_due(NOW + timedelta(minutes=10))

    assert (report.sent, report.already_sent) == (1, 0)
    assert _reminded() == [(session.id, m0.id)] * 2
    newest = db.session.scalars(
        select(Notification.message).order_by(Notification.id.desc()).limit(1)
    ).one()
    assert "12:00–13:00" in newest
    assert reminders.send_due(NOW + timedelta(minutes=20)).sent == 0


def test_opted_out_members_get_the_notice_in_app_but_no_mail(app, people, smtp_sink):  # noqa: F811
    coach, _other, (m0, m1, *_rest) = people
    quiet = db.session.get(User, m1.id)
    quiet.reminder_mails = False
    db.session.commit()
    loud_session = _session(coach, NOW + 2 * HOUR, m0)
    _session(coach, NOW + 4 * HOUR, m1)

    report = reminders.send_due(NOW)  # delivered inline after the commit (no REDIS_URL)

    assert (report.sent, report.mailed) == (2, 1)
    assert len(_reminded()) == 2
    assert [rcpt for rcpt, _message in smtp_sink.messages] == [[m0.email]]
    _rcpt, message = smtp_sink.messages[0]
    assert message["Subject"].endswith("Reminder: your session is coming up")
    [ics_file] = list(message.iter_attachments())
    assert ics_file.get_content_type() == "text/calendar"
    assert ics_file.get_filename() == "session-2027-03-01-0900.ics"
    calendar = ics_file.get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert f"UID:session-{loud_session.id}@coachapp" in calendar
    assert "TRIGGER:-PT24H" in calendar
    pending = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.delivered_at.is_(None))
    )
    assert pending == 0  # the opted-out one is not left for the sweep to mail
    assert loud_session.id in {s for s, _u in _reminded()}


def test_the_reminder_mail_carries_the_sessions_ics_with_its_alarm(app, people):
    coach, _other, (m0, *_rest) = people
    session = _session(coach, NOW + 5 * HOUR, m0)
    reminders.send_due(NOW)
    notification = db.session.scalars(select(Notification)).one()
    member = db.session.get(User, m0.id)

    composed = notice_mail.compose(notification, member)

    [attachment] = composed.attachments
    assert attachment.content_type == "text/calendar"
    assert attachment.filename == "session-2027-03-01-1200.ics"
    body = attachment.data.decode()
    assert f"UID:session-{session.id}@coachapp" in body
    assert "BEGIN:VALARM" in body and "TRIGGER:-PT24H" in body
    message = build_message(
        load_settings(),
        member.email,
        composed.subject,
        composed.text,
        composed.html,
        composed.attachments,
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    files = [part for part in parsed.iter_attachments()]
    assert [part.get_filename() for part in files] == ["session-2027-03-01-1200.ics"]
    assert files[0].get_content_type() == "text/calendar"
    assert parsed.get_body(("plain",)).get_content().count("Reminder: Strength") == 1


def test_the_work_is_a_fixed_number_of_statements(app, people):
    """One query for the due pairs, one insert of the keys, one of the notifications: the count
    does not grow with the number of sessions (counted up to the commit: the mails after it, one
    delivery each, are the delivery job's)."""
    coach, other, (m0, *_rest) = people

    def statements_for(count: int, first_hour: int) -> int:
        for i in range(count):
            _session(coach if i % 2 else other, NOW + (first_hour + i) * HOUR, m0, minutes=30)
        seen: list[str] = []
        committed: list[bool] = []

        def count_it(conn, cursor, statement, *args):
            if not committed:
                seen.append(statement)

        def commit(conn):
            committed.append(True)

        event.listen(db.engine, "before_cursor_execute", count_it)
        event.listen(db.engine, "commit", commit)
        try:
            assert reminders.send_due(NOW).sent == count
        finally:
            event.remove(db.engine, "before_cursor_execute", count_it)
            event.remove(db.engine, "commit", commit)
        assert committed
        return len(seen)

    few = statements_for(1, 1)
    many = statements_for(12, 2)
    assert many == few, (few, many)


def test_cli_sends_and_prints_counts(runner, people):
    coach, _other, (m0, m1, *_rest) = people
    _session(coach, NOW + 2 * HOUR, m0)
    _session(coach, NOW + 4 * HOUR, m1)

    result = runner.invoke(args=["reminders", "send", "--now", "2027-03-01T07:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "sent 2 (2 mailed, 0 in-app only) for 2 session(s)" in result.output
    assert "0 due were sent before" in result.output

    again = runner.invoke(args=["reminders", "send", "--now", "2027-03-01T06:10Z"])
    assert again.exit_code == 0, again.output
    assert "sent 0" in again.output and "2 due were sent before" in again.output


@pytest.mark.parametrize("bad", ["tomorrow", "2027-03-01", "2027-13-01T07:00", "07:00", ""])
def test_cli_refuses_a_now_it_cannot_read(runner, bad):
    result = runner.invoke(args=["reminders", "send", "--now", bad])
    assert result.exit_code == 2
    assert "Invalid value for '--now'" in result.output
    assert "ISO 8601" in result.output
    assert "Traceback" not in result.output


def test_a_now_without_offset_is_on_the_gyms_clock(app):
    assert parse_now("2027-03-01T07:00") == NOW
    assert parse_now("2027-07-01 07:00").utcoffset() == timedelta(hours=2)  # summer time
    assert parse_now("2027-03-01T06:00Z") == NOW
    assert parse_now("2027-03-01T07:00").tzinfo.key == BERLIN.key


def test_a_key_another_run_claimed_is_skipped_by_the_insert_itself(people):
    """Two runs that both read "not sent yet": the second one's insert skips the keys (no
    IntegrityError, nothing returned), so it sends nothing."""
    coach, _other, (m0, m1, *_rest) = people
    _session(coach, NOW + 2 * HOUR, m0)
    _session(coach, NOW + 4 * HOUR, m1)
    fresh = [item for item, sent in reminders._due(NOW, NOW + 24 * HOUR) if not sent]
    assert len(fresh) == 2

    assert len(reminders._claim(fresh, NOW)) == 2
    assert reminders._claim(fresh, NOW) == set()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 2


@pytest.mark.postgres
def test_two_runs_at_once_send_each_reminder_exactly_once(app, people, make_user, monkeypatch):
    """Two workers start the reminder run at the same instant, three rounds: every reminder
    is made once, whichever run claims it (the unique key decides, not a check). In the first
    round both runs have read every reminder as not sent before either inserts its keys."""
    coach, other, members = people
    more = [make_user("member") for _ in range(15)]
    expected = []
    for i in range(12):
        start = NOW + (1 + i) * HOUR
        if i % 3 == 0:
            cls = _session(coach if i % 2 else other, start, kind=SessionType.GROUP, capacity=20)
            for m in [*members, *more]:
                _place(cls, m)
                expected.append((cls.id, m.id))
        else:
            session = _session(coach if i % 2 else other, start, members[i % len(members)])
            expected.append((session.id, members[i % len(members)].id))

    read_both = threading.Barrier(2)
    find_due = reminders._due

    def due_then_wait(now, window_end):
        found = find_due(now, window_end)
        if now == NOW:
            read_both.wait(timeout=30)
        return found

    monkeypatch.setattr(reminders, "_due", due_then_wait)
    for round_number in range(3):
        now = NOW + timedelta(minutes=round_number)
        barrier = threading.Barrier(2)
        reports: list = []
        errors: list = []

        def run(now=now, barrier=barrier, reports=reports, errors=errors):
            with app.app_context():
                try:
                    barrier.wait(timeout=30)
                    reports.append(reminders.send_due(now))
                except Exception as exc:  # noqa: BLE001 (reported below)
                    errors.append(repr(exc))
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        sent = sum(r.sent for r in reports)
        print(f"\nround {round_number}: sent {[(r.sent, r.already_sent) for r in reports]}")
        assert sent == (len(expected) if round_number == 0 else 0)

    assert _reminded() == sorted(expected)
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == len(expected)


@pytest.mark.redis
def test_the_scheduler_runs_the_reminders_every_ten_minutes(
    app,
    people,
    database_url,
    redis_url,  # noqa: F811 (the fixture imported above)
):
    """Registered again and again, there is one reminder job, every 10 minutes; the worker
    process runs it (real clock: the session starts two hours from now)."""
    from redis import Redis
    from rq_scheduler import Scheduler

    from coachapp import jobs, scheduler
    from coachapp.models import utcnow

    connection = Redis.from_url(redis_url)
    rq_scheduler = jobs.ZonedScheduler(queue_name=jobs.QUEUE_NAME, connection=connection)
    for _ in range(3):
        registered = scheduler.register_all(rq_scheduler, now=NOW)
    assert set(registered) == {jobs.NIGHTLY_JOB_ID, jobs.SWEEP_JOB_ID, reminders_cli.JOB_ID}
    [job] = [
        job
        for job in Scheduler(queue_name=jobs.QUEUE_NAME, connection=connection).get_jobs()
        if job.id == reminders_cli.JOB_ID
    ]
    assert job.meta["interval"] == 10 * 60
    assert job.func_name == "coachapp.reminders_cli.reminders_job"

    coach, _other, (m0, *_rest) = people
    _session(coach, utcnow().replace(microsecond=0) + 2 * HOUR, m0)
    jobs.get_queue(connection).enqueue_call(reminders_cli.reminders_job, job_id="reminders-now")
    run_process("coachapp.worker", database_url, redis_url, "--no-catch-up")
    assert len(_reminded()) == 1
