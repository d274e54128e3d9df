"""The extension's own Alembic migrations: own version table, host tables untouched."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from flask_phonecapture import migrate
from flask_phonecapture.extension import get_state
from flask_phonecapture.models import metadata


def table_names(app):
    with app.app_context():
        return set(sa.inspect(get_state().db.engine).get_table_names())


def test_upgrade_creates_prefixed_tables_and_its_own_version_table(make_app):
    app, _ = make_app()
    names = table_names(app)
    assert "phonecapture_alembic_version" in names
    assert "alembic_version" not in names
    assert {t for t in names if not t.startswith("phonecapture_")} == set()
    with app.app_context():
        assert migrate.current() == "0006"


def test_host_apps_own_alembic_table_is_left_alone(make_app):
    app, _ = make_app(migrate=False)
    with app.app_context():
        engine = get_state().db.engine
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
            conn.execute(sa.text("INSERT INTO alembic_version VALUES ('host_rev_42')"))
            conn.execute(sa.text("CREATE TABLE shop_order (id INTEGER PRIMARY KEY)"))
        migrate.upgrade()
        migrate.downgrade("base")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "host_rev_42"
    names = table_names(app)
    assert "shop_order" in names and not any(n.startswith("phonecapture_") and n != "phonecapture_alembic_version"
                                             for n in names)


def test_migrations_match_the_models(make_app):
    app, _ = make_app()
    with app.app_context():
        with get_state().db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = [d for d in compare_metadata(context, metadata)
                    if not (d[0] == "remove_table" and d[1].name == "phonecapture_alembic_version")]
    assert diff == []


def test_cli_db_upgrade(make_app):
    app, _ = make_app(migrate=False)
    result = app.test_cli_runner().invoke(args=["phonecapture", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "revision 0006" in result.output
    assert "phonecapture_contact" in table_names(app)


def test_0003_adds_the_contact_lock_table_over_contacts_a_past_race_duplicated(make_app):
    """Duplicates made before 0003 survive the upgrade untouched; lookups then pick the oldest,
    so every new submission of the number goes to that one. Downgrade drops only the new table."""
    from datetime import timedelta

    from flask_phonecapture import contacts
    from flask_phonecapture.models import Contact, utcnow
    from flask_phonecapture.phone import parse_phone

    app, _ = make_app(migrate=False)
    with app.app_context():
        migrate.upgrade("0002")
        state = get_state()
        phone = parse_phone("8 912 345-67-89", "RU", ["RU"])
        newer = contacts.insert_contact(state, phone)  # stored first, dated later: the order is
        older = contacts.insert_contact(state, phone)  # the dates', not the rows'
        session = state.db.session
        session.execute(sa.update(Contact).where(Contact.id == older)
                        .values(created_at=utcnow() - timedelta(days=1)))
        session.commit()
        session.close()
        migrate.upgrade()
        assert migrate.current() == "0006"
        assert "phonecapture_contact_lock" in table_names(app)
        assert session.execute(sa.select(sa.func.count()).select_from(Contact)).scalar() == 2
        assert contacts.find_or_create(state, phone) == (older, False)
        session.rollback()
        session.close()
        migrate.downgrade("0002")
        assert "phonecapture_contact_lock" not in table_names(app)
        assert "phonecapture_contact" in table_names(app)
