from datetime import timedelta

import pytest

from sqlalchemy import select, update

from flask_phonecapture import phone_verified, submission_created
from flask_phonecapture.models import Consent, Contact, Submission, Verification, utcnow
from tests.conftest import sent_codes
from tests.race import race

API = "/phonecapture/api/v1/submissions"


def verify(client, sid, code):
    return client.post(f"{API}/{sid}/verify", json={"code": code})


def wrong(code):
    return f"{(int(code) + 1) % 1000000:06d}"


def shift(app, sid, **deltas):
    """Move a verification's timestamps into the past."""
    with app.app_context():
        db = app.extensions["phonecapture"].db
        values = {k: utcnow() - v for k, v in deltas.items()}
        db.session.execute(update(Verification).where(Verification.submission_id == sid).values(**values))
        db.session.commit()


def test_right_code_verifies_number_and_confirms_consents(app, client, submitted):
    sid, code = submitted()
    response = verify(client, sid, code)
    assert response.status_code == 200 and response.json == {"status": "verified"}
    with app.app_context():
        db = app.extensions["phonecapture"].db
        sub = db.session.get(Submission, sid)
        assert sub.status == "verified" and sub.verified_at
        assert db.session.get(Contact, sub.contact_id).verified_at
        granted = db.session.execute(select(Consent).where(Consent.granted.is_(True))).scalar_one()
        assert granted.confirmed_at is not None


def test_verifying_twice_is_still_success(client, submitted):
    sid, code = submitted()
    assert verify(client, sid, code).status_code == 200
    assert verify(client, sid, code).status_code == 200


def test_wrong_code_says_how_many_attempts_are_left(client, submitted):
    sid, code = submitted()
    response = verify(client, sid, wrong(code))
    assert response.status_code == 422
    assert response.json["attempts_left"] == 4 and response.json["error"] == "wrong_code"


def test_fifth_wrong_code_locks_and_even_the_right_code_is_then_410(client, submitted):
    sid, code = submitted()
    for left in (4, 3, 2, 1):
        assert verify(client, sid, wrong(code)).json["attempts_left"] == left
    locked = verify(client, sid, wrong(code))
    assert locked.status_code == 410 and locked.json["error"] == "locked"
    assert verify(client, sid, code).status_code == 410


def test_malformed_code_does_not_burn_an_attempt(client, submitted):
    sid, code = submitted()
    for bad in ("12", "abcdef", "1234567"):
        response = verify(client, sid, bad)
        assert response.status_code == 422 and response.json["attempts_left"] == 5
    assert verify(client, sid, code).status_code == 200


def test_expired_code_is_410(app, client, submitted):
    sid, code = submitted()
    shift(app, sid, expires_at=timedelta(seconds=1))
    response = verify(client, sid, code)
    assert response.status_code == 410 and response.json["error"] == "expired"


def test_code_is_stored_only_as_an_hmac(app, submitted):
    sid, code = submitted()
    with app.app_context():
        db = app.extensions["phonecapture"].db
        row = db.session.execute(select(Verification)).scalar_one()
        assert code not in row.code_mac and len(row.code_mac) == 64


def test_resend_waits_for_the_cooldown(client, submitted):
    sid, _ = submitted()
    response = client.post(f"{API}/{sid}/resend")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_resend_after_cooldown_sends_a_new_code_and_the_old_one_stops_working(app, client, capsys,
                                                                              run_jobs, submitted):
    sid, old = submitted()
    shift(app, sid, last_sent_at=timedelta(seconds=61))
    response = client.post(f"{API}/{sid}/resend")
    assert response.status_code == 202 and response.json["resend_after_s"] == 60
    run_jobs()
    (new,) = sent_codes(capsys)
    if new != old:
        assert verify(client, sid, old).status_code == 422
    assert verify(client, sid, new).status_code == 200


def test_resend_unlocks_a_locked_code(app, client, capsys, run_jobs, submitted):
    sid, code = submitted()
    for _ in range(5):
        verify(client, sid, wrong(code))
    shift(app, sid, last_sent_at=timedelta(seconds=61))
    assert client.post(f"{API}/{sid}/resend").status_code == 202
    run_jobs()
    (new,) = sent_codes(capsys)
    assert verify(client, sid, new).status_code == 200


def test_at_most_five_codes_per_number_per_hour(app, client, capsys, run_jobs, submitted):
    sid, _ = submitted()
    for _ in range(4):
        shift(app, sid, last_sent_at=timedelta(seconds=61))
        assert client.post(f"{API}/{sid}/resend").status_code == 202
    shift(app, sid, last_sent_at=timedelta(seconds=61))
    response = client.post(f"{API}/{sid}/resend")
    assert response.status_code == 429 and response.json["error"] == "too_many_codes"
    assert int(response.headers["Retry-After"]) > 60
    run_jobs()
    assert len(sent_codes(capsys)) == 4


def test_resend_of_a_verified_number_is_409(client, submitted):
    sid, code = submitted()
    verify(client, sid, code)
    assert client.post(f"{API}/{sid}/resend").status_code == 409


def test_unknown_submission_is_404(client):
    for sid in ("nope", "0" * 32, "../../etc"):
        assert verify(client, sid, "123456").status_code == 404
        assert client.post(f"{API}/{sid}/resend").status_code == 404


def test_verify_body_errors_are_4xx(client, submitted):
    sid, _ = submitted()
    assert client.post(f"{API}/{sid}/verify", data="{", content_type="application/json").status_code == 400
    assert client.post(f"{API}/{sid}/verify", json={"code": 123456}).status_code == 422
    assert client.post(f"{API}/{sid}/verify", json={}).status_code == 422


def test_signals_fire_on_submission_and_verification(app, client, submitted):
    seen = []
    submission_created.connect(lambda sender, submission: seen.append(("created", submission.id)), app,
                               weak=False)
    phone_verified.connect(lambda sender, submission, contact: seen.append(("verified", contact.id)), app,
                           weak=False)
    sid, code = submitted()
    verify(client, sid, code)
    assert [kind for kind, _ in seen] == ["created", "verified"]
    assert seen[0][1] == sid


# -- the code step answers in the form's language ----------------------------------------------
def test_code_errors_are_in_the_forms_language(client, submitted):
    sid, code = submitted()  # "callback" is a Russian form
    malformed = verify(client, sid, "abcdef")
    assert malformed.status_code == 422 and malformed.json["error"] == "invalid"
    assert malformed.json["message"] == "Код — это 6 цифр из SMS."
    assert malformed.json["fields"] == {"code": ["Код — это 6 цифр из SMS."]}
    refused = verify(client, sid, wrong(code))
    assert refused.status_code == 422 and refused.json["error"] == "wrong_code"
    assert refused.json["message"] == "Неверный код, осталось попыток: 4"
    assert refused.json["fields"] == {"code": ["Неверный код, осталось попыток: 4"]}
    too_soon = client.post(f"{API}/{sid}/resend")
    assert too_soon.status_code == 429 and too_soon.json["error"] == "resend_too_soon"
    assert too_soon.json["message"] == f"Слишком часто, подождите {too_soon.json['retry_after_s']} с"
    for _ in range(4):
        locked = verify(client, sid, wrong(code))
    assert locked.status_code == 410 and locked.json["error"] == "locked"
    assert locked.json["message"] == "Код не действует, запросите новый"


def test_expired_code_message_is_in_the_forms_language(app, client, submitted):
    sid, code = submitted()
    shift(app, sid, expires_at=timedelta(seconds=1))
    response = verify(client, sid, code)
    assert response.json["error"] == "expired" and response.json["message"] == "Код не действует, запросите новый"


def test_code_errors_use_the_forms_own_texts(make_app, capsys, run_jobs):
    from tests.conftest import FORMS, submit

    forms = dict(FORMS, world=dict(FORMS["world"], texts={"error_code": "Not that one: {n} tries left"}))
    app, _ = make_app(PHONECAPTURE_FORMS=forms)
    client = app.test_client()
    response = submit(client, "+1 212 555 0123", form_id="world")
    assert response.status_code == 201
    run_jobs()
    (code,) = sent_codes(capsys)
    sid = response.json["id"]
    assert verify(client, sid, wrong(code)).json["message"] == "Not that one: 4 tries left"
    malformed = verify(client, sid, "12")
    assert malformed.json["message"] == "The code is the 6 digits from the SMS."  # an English form


# -- a verified submission: the right code again is a success, anything else a 409 ---------------
def test_a_wrong_code_on_a_verified_submission_is_409_already_verified(app, client, submitted):
    sid, code = submitted()
    assert verify(client, sid, code).status_code == 200
    for other in (wrong(code), "000000" if code != "000000" else "111111", "abcdef"):
        response = verify(client, sid, other)
        assert response.status_code == 409, other
        assert response.json["error"] == "already_verified"
        assert response.json["message"] == "Этот номер уже подтверждён."
    assert verify(client, sid, code).status_code == 200  # the right code stays idempotent
    with app.app_context():
        db = app.extensions["phonecapture"].db
        assert db.session.get(Submission, sid).status == "verified"


# -- the code is 6 decimal digits; other scripts' digits count, superscripts don't ------------------
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def test_code_typed_in_arabic_indic_digits_verifies(client, submitted):
    sid, code = submitted()
    refused = verify(client, sid, wrong(code).translate(ARABIC_INDIC))
    assert refused.status_code == 422 and refused.json["error"] == "wrong_code"  # a real try
    assert verify(client, sid, code.translate(ARABIC_INDIC)).status_code == 200


@pytest.mark.parametrize("shape", ["superscript", "circled", "mixed"])
def test_digit_lookalikes_are_invalid_and_cost_no_attempt(client, submitted, shape):
    sid, code = submitted()
    typed = {"superscript": code.translate(SUPERSCRIPT),
             "circled": code.translate(str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")),
             "mixed": code[:5] + code[5].translate(SUPERSCRIPT)}[shape]
    for _ in range(6):
        response = verify(client, sid, typed)
        assert response.status_code == 422 and response.json["error"] == "invalid"
        assert response.json["attempts_left"] == 5
    assert verify(client, sid, code).status_code == 200


@pytest.mark.parametrize("typed, digits", [
    ("١٢٣٤٥٦", "123456"), ("۱۲۳۴۵۶", "123456"), ("１２３４５６", "123456"), ("१२३४५६", "123456"),
    (" 123456\n", "123456"), ("¹²³⁴⁵⁶", None), ("12345²", None), ("①②③④⑤⑥", None), ("12345", None),
    ("1234567", None), ("12 456", None), ("", None), (None, None),
    ("12 34 56", "123456"), ("420-858", "420858"), ("420 – 858", "420858"), ("12\u00a034\u00a056", "123456"),
])
def test_code_digits_of_any_script_become_ascii_and_lookalikes_none(typed, digits):
    from flask_phonecapture.leads import code_digits

    assert code_digits(typed) == digits


# -- simultaneous checks and resends of one code run one after the other --------------------------
def _race(app, monkeypatch, path, bodies):
    """Each thread pauses right after loading the submission until all have loaded it."""
    from flask_phonecapture import leads

    return race(app, monkeypatch, leads, "load_submission", path, bodies)


def test_simultaneous_wrong_codes_each_cost_an_attempt(app, client, monkeypatch, submitted):
    sid, code = submitted()
    responses = _race(app, monkeypatch, f"{API}/{sid}/verify", [{"code": wrong(code)}] * 5)
    assert sorted(r.json["attempts_left"] for r in responses) == [0, 1, 2, 3, 4]
    assert sorted(r.status_code for r in responses) == [410, 422, 422, 422, 422]
    with app.app_context():
        db = app.extensions["phonecapture"].db
        row = db.session.execute(select(Verification)).scalar_one()
        assert row.attempts == 5 and row.locked_at is not None
    assert verify(client, sid, code).status_code == 410


def test_simultaneous_right_codes_verify_once(app, monkeypatch, submitted):
    seen = []
    phone_verified.connect(lambda sender, submission, contact: seen.append(submission.id), app, weak=False)
    sid, code = submitted()
    responses = _race(app, monkeypatch, f"{API}/{sid}/verify", [{"code": code}] * 2)
    assert [r.status_code for r in responses] == [200, 200]
    assert seen == [sid]


def test_simultaneous_resends_send_one_code(app, monkeypatch, capsys, run_jobs, submitted):
    sid, _ = submitted()
    shift(app, sid, last_sent_at=timedelta(seconds=61))
    responses = _race(app, monkeypatch, f"{API}/{sid}/resend", [None, None])
    assert sorted(r.status_code for r in responses) == [202, 429], [r.json for r in responses]
    run_jobs()
    assert len(sent_codes(capsys)) == 1
    with app.app_context():
        db = app.extensions["phonecapture"].db
        assert db.session.execute(select(Verification.sends)).scalar_one() == 2
