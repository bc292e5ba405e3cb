-- The Scheduler's schema: Quartz.NET 4.7.3's ADO job store tables (prefix qrtz_) and the Scheduler's own
-- cancelled-token table, all in schema "scheduler". Written for this project from what Quartz 4.7.3's
-- PostgreSQL delegate reads and writes and what its start-up schema validation checks; the integration test
-- Quartz_creates_the_same_schema_as_the_migration compares it with the schema Quartz 4.7.3 provisions itself.
--
-- Run by `Bus.Scheduler migrate` in one transaction under an advisory lock. Every statement only creates what
-- is missing, so running it again (or from several replicas at once) changes nothing. A later Quartz release
-- that adds columns means new `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` lines here, never edits above them.

CREATE SCHEMA IF NOT EXISTS scheduler;

CREATE TABLE IF NOT EXISTS scheduler.qrtz_job_details
(
    sched_name        TEXT    NOT NULL,
    job_name          TEXT    NOT NULL,
    job_group         TEXT    NOT NULL,
    description       TEXT    NULL,
    job_class_name    TEXT    NOT NULL,
    is_durable        BOOLEAN NOT NULL,
    is_nonconcurrent  BOOLEAN NOT NULL,
    is_update_data    BOOLEAN NOT NULL,
    requests_recovery BOOLEAN NOT NULL,
    job_data          BYTEA   NULL,
    PRIMARY KEY (sched_name, job_name, job_group)
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_triggers
(
    sched_name              TEXT         NOT NULL,
    trigger_name            TEXT         NOT NULL,
    trigger_group           TEXT         NOT NULL,
    job_name                TEXT         NOT NULL,
    job_group               TEXT         NOT NULL,
    description             TEXT         NULL,
    next_fire_time          BIGINT       NULL,
    prev_fire_time          BIGINT       NULL,
    priority                INTEGER      NULL,
    trigger_state           TEXT         NOT NULL,
    trigger_type            TEXT         NOT NULL,
    start_time              BIGINT       NOT NULL,
    end_time                BIGINT       NULL,
    calendar_name           TEXT         NULL,
    misfire_instr           SMALLINT     NULL,
    misfire_orig_fire_time  BIGINT       NULL,
    execution_group         VARCHAR(200) NULL,
    preferred_node          VARCHAR(200) NULL,
    preferred_node_auto     BOOLEAN      NOT NULL DEFAULT FALSE,
    retry_policy            VARCHAR(250) NULL,
    retry_attempt           INTEGER      NULL,
    continues_trigger_name  TEXT         NULL,
    continues_trigger_group TEXT         NULL,
    continuation_condition  INTEGER      NULL,
    overlap_policy          INTEGER      NULL,
    pause_reason            VARCHAR(250) NULL,
    paused_by               VARCHAR(200) NULL,
    paused_at               BIGINT       NULL,
    misfire_threshold       BIGINT       NULL,
    fixed_delay             BOOLEAN      NULL,
    job_data                BYTEA        NULL,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, job_name, job_group) REFERENCES scheduler.qrtz_job_details (sched_name, job_name, job_group)
);

-- The per-type trigger tables hang off qrtz_triggers and go with their trigger row.
CREATE TABLE IF NOT EXISTS scheduler.qrtz_simple_triggers
(
    sched_name      TEXT   NOT NULL,
    trigger_name    TEXT   NOT NULL,
    trigger_group   TEXT   NOT NULL,
    repeat_count    BIGINT NOT NULL,
    repeat_interval BIGINT NOT NULL,
    times_triggered BIGINT NOT NULL,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, trigger_name, trigger_group)
        REFERENCES scheduler.qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_cron_triggers
(
    sched_name      TEXT NOT NULL,
    trigger_name    TEXT NOT NULL,
    trigger_group   TEXT NOT NULL,
    cron_expression TEXT NOT NULL,
    time_zone_id    TEXT NULL,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, trigger_name, trigger_group)
        REFERENCES scheduler.qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_simprop_triggers
(
    sched_name    TEXT    NOT NULL,
    trigger_name  TEXT    NOT NULL,
    trigger_group TEXT    NOT NULL,
    str_prop_1    TEXT    NULL,
    str_prop_2    TEXT    NULL,
    str_prop_3    TEXT    NULL,
    int_prop_1    INTEGER NULL,
    int_prop_2    INTEGER NULL,
    long_prop_1   BIGINT  NULL,
    long_prop_2   BIGINT  NULL,
    dec_prop_1    NUMERIC NULL,
    dec_prop_2    NUMERIC NULL,
    bool_prop_1   BOOLEAN NULL,
    bool_prop_2   BOOLEAN NULL,
    time_zone_id  TEXT    NULL,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, trigger_name, trigger_group)
        REFERENCES scheduler.qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_blob_triggers
(
    sched_name    TEXT  NOT NULL,
    trigger_name  TEXT  NOT NULL,
    trigger_group TEXT  NOT NULL,
    blob_data     BYTEA NULL,
    PRIMARY KEY (sched_name, trigger_name, trigger_group),
    FOREIGN KEY (sched_name, trigger_name, trigger_group)
        REFERENCES scheduler.qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_calendars
(
    sched_name    TEXT  NOT NULL,
    calendar_name TEXT  NOT NULL,
    calendar      BYTEA NOT NULL,
    PRIMARY KEY (sched_name, calendar_name)
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_paused_trigger_grps
(
    sched_name    TEXT         NOT NULL,
    trigger_group TEXT         NOT NULL,
    pause_reason  VARCHAR(250) NULL,
    paused_by     VARCHAR(200) NULL,
    paused_at     BIGINT       NULL,
    PRIMARY KEY (sched_name, trigger_group)
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_paused_job_grps
(
    sched_name   TEXT         NOT NULL,
    job_group    TEXT         NOT NULL,
    pause_reason VARCHAR(250) NULL,
    paused_by    VARCHAR(200) NULL,
    paused_at    BIGINT       NULL,
    PRIMARY KEY (sched_name, job_group)
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_fired_triggers
(
    sched_name               TEXT         NOT NULL,
    entry_id                 TEXT         NOT NULL,
    trigger_name             TEXT         NOT NULL,
    trigger_group            TEXT         NOT NULL,
    instance_name            TEXT         NOT NULL,
    fired_time               BIGINT       NOT NULL,
    sched_time               BIGINT       NOT NULL,
    priority                 INTEGER      NOT NULL,
    state                    TEXT         NOT NULL,
    job_name                 TEXT         NULL,
    job_group                TEXT         NULL,
    is_nonconcurrent         BOOLEAN      NOT NULL,
    requests_recovery        BOOLEAN      NULL,
    execution_group          VARCHAR(200) NULL,
    progress                 INTEGER      NULL,
    progress_message         VARCHAR(250) NULL,
    interrupt_requested_time BIGINT       NULL,
    PRIMARY KEY (sched_name, entry_id)
);

-- One row per live replica: its check-ins are how the others know it is alive.
CREATE TABLE IF NOT EXISTS scheduler.qrtz_scheduler_state
(
    sched_name        TEXT        NOT NULL,
    instance_name     TEXT        NOT NULL,
    last_checkin_time BIGINT      NOT NULL,
    checkin_interval  BIGINT      NOT NULL,
    quartz_version    VARCHAR(20) NULL,
    PRIMARY KEY (sched_name, instance_name)
);

-- The rows the cluster takes SELECT ... FOR UPDATE on (TRIGGER_ACCESS, STATE_ACCESS).
CREATE TABLE IF NOT EXISTS scheduler.qrtz_locks
(
    sched_name TEXT NOT NULL,
    lock_name  TEXT NOT NULL,
    PRIMARY KEY (sched_name, lock_name)
);

-- Execution history: only used when the store is configured with UseExecutionHistory(); created anyway so that
-- turning it on needs no migration.
CREATE TABLE IF NOT EXISTS scheduler.qrtz_execution_history
(
    sched_name          TEXT    NOT NULL,
    entry_id            TEXT    NOT NULL,
    instance_name       TEXT    NOT NULL,
    job_name            TEXT    NOT NULL,
    job_group           TEXT    NOT NULL,
    trigger_name        TEXT    NOT NULL,
    trigger_group       TEXT    NOT NULL,
    fired_time          BIGINT  NOT NULL,
    run_time            BIGINT  NOT NULL,
    succeeded           BOOLEAN NOT NULL,
    error_message       TEXT    NULL,
    retry_attempt       INTEGER NOT NULL DEFAULT 0,
    retry_scheduled     BOOLEAN NOT NULL DEFAULT FALSE,
    execution_log       TEXT    NULL,
    result              INTEGER NULL,
    summary             TEXT    NULL,
    metrics             TEXT    NULL,
    manual              BOOLEAN NULL,
    fire_instance_id    TEXT    NULL,
    job_input           TEXT    NULL,
    job_input_too_large BOOLEAN NULL,
    PRIMARY KEY (sched_name, entry_id)
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_misfire_history
(
    sched_name    TEXT    NOT NULL,
    entry_id      TEXT    NOT NULL,
    instance_name TEXT    NOT NULL,
    trigger_name  TEXT    NOT NULL,
    trigger_group TEXT    NOT NULL,
    job_name      TEXT    NULL,
    job_group     TEXT    NULL,
    misfire_time  BIGINT  NOT NULL,
    sched_time    BIGINT  NULL,
    reason        INTEGER NULL,
    PRIMARY KEY (sched_name, entry_id)
);

CREATE TABLE IF NOT EXISTS scheduler.qrtz_job_status
(
    sched_name           TEXT    NOT NULL,
    job_group            TEXT    NOT NULL,
    job_name             TEXT    NOT NULL,
    first_fired_time     BIGINT  NOT NULL,
    last_fired_time      BIGINT  NOT NULL,
    last_result          INTEGER NOT NULL,
    last_run_time        BIGINT  NOT NULL,
    last_instance_name   TEXT    NOT NULL,
    last_entry_id        TEXT    NULL,
    last_summary         TEXT    NULL,
    last_success_time    BIGINT  NULL,
    last_failure_time    BIGINT  NULL,
    last_failure_message TEXT    NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    run_count            BIGINT  NOT NULL DEFAULT 0,
    failure_count        BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (sched_name, job_group, job_name)
);

-- Index names are Quartz's own, so that Quartz's future upgrade scripts find them.
CREATE INDEX IF NOT EXISTS idx_qrtz_j_g_n ON scheduler.qrtz_job_details (sched_name, job_group, job_name);
CREATE INDEX IF NOT EXISTS idx_qrtz_t_j ON scheduler.qrtz_triggers (sched_name, job_name, job_group);
CREATE INDEX IF NOT EXISTS idx_qrtz_t_g_n ON scheduler.qrtz_triggers (sched_name, trigger_group, trigger_name);
CREATE INDEX IF NOT EXISTS idx_qrtz_t_c ON scheduler.qrtz_triggers (sched_name, calendar_name);
-- Trigger acquisition: the next due triggers in a state, by fire time then priority.
CREATE INDEX IF NOT EXISTS idx_qrtz_t_nft_st ON scheduler.qrtz_triggers (sched_name, trigger_state, next_fire_time ASC, priority DESC, misfire_instr);
CREATE INDEX IF NOT EXISTS idx_qrtz_ft_inst_job_req_rcvry ON scheduler.qrtz_fired_triggers (sched_name, instance_name, requests_recovery);
CREATE INDEX IF NOT EXISTS idx_qrtz_ft_j_g ON scheduler.qrtz_fired_triggers (sched_name, job_name, job_group);
CREATE INDEX IF NOT EXISTS idx_qrtz_ft_t_g ON scheduler.qrtz_fired_triggers (sched_name, trigger_name, trigger_group);
CREATE INDEX IF NOT EXISTS idx_qrtz_eh_fired_time ON scheduler.qrtz_execution_history (sched_name, fired_time);
CREATE INDEX IF NOT EXISTS idx_qrtz_eh_inst ON scheduler.qrtz_execution_history (sched_name, instance_name);
CREATE INDEX IF NOT EXISTS idx_qrtz_eh_job_time ON scheduler.qrtz_execution_history (sched_name, job_group, job_name, fired_time);
CREATE INDEX IF NOT EXISTS idx_qrtz_eh_fire_inst ON scheduler.qrtz_execution_history (sched_name, fire_instance_id);
CREATE INDEX IF NOT EXISTS idx_qrtz_eh_trig_time ON scheduler.qrtz_execution_history (sched_name, trigger_group, trigger_name, fired_time);
CREATE INDEX IF NOT EXISTS idx_qrtz_mh_misfire_time ON scheduler.qrtz_misfire_history (sched_name, misfire_time);
CREATE INDEX IF NOT EXISTS idx_qrtz_mh_inst ON scheduler.qrtz_misfire_history (sched_name, instance_name);

-- The Scheduler's own: a CancelScheduledMessage that found nothing to cancel, kept for a while in case its
-- ScheduleMessage is consumed after it (sent from another process, or moved back from scheduler_error).
CREATE TABLE IF NOT EXISTS scheduler.cancelled_tokens
(
    token_id     UUID        NOT NULL PRIMARY KEY,
    cancelled_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_cancelled_tokens_cancelled_at ON scheduler.cancelled_tokens (cancelled_at);
