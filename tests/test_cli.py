def test_worker_without_redis_explains_itself(make_app):
    app, _ = make_app(PHONECAPTURE_REDIS_URL=None)
    result = app.test_cli_runner().invoke(args=["phonecapture", "worker", "--burst"])
    assert result.exit_code != 0 and "PHONECAPTURE_REDIS_URL is not set" in result.output


def test_keys_generate_prints_both_settings(app):
    result = app.test_cli_runner().invoke(args=["phonecapture", "keys", "generate", "--kid", "k7"])
    assert result.exit_code == 0
    assert result.output.startswith("PHONECAPTURE_KEYS=k7:") and "PHONECAPTURE_INDEX_KEY=" in result.output


def test_sweep_command_runs(app):
    result = app.test_cli_runner().invoke(args=["phonecapture", "sweep"])
    assert result.exit_code == 0 and "re-enqueued 0" in result.output


def test_db_current_command(app):
    result = app.test_cli_runner().invoke(args=["phonecapture", "db", "current"])
    assert result.output.strip() == "0006"
