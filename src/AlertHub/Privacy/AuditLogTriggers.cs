namespace AlertHub.Privacy;

/// <summary>
/// The database itself refuses to change or remove audit entries, whoever asks (a bulk ExecuteUpdate, a script,
/// a compromised node): the append-only rule does not depend on EF. Used by the PrivacyAudit migrations.
/// Removing audit entries needs a DBA who drops the trigger first, on purpose.
/// SQLite note: a later migration that rebuilds the AuditEntries table drops these triggers and must re-create them.
/// </summary>
internal static class AuditLogTriggers
{
    public static readonly string[] SqliteUp =
    [
        """CREATE TRIGGER "AuditEntries_no_update" BEFORE UPDATE ON "AuditEntries" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
        """CREATE TRIGGER "AuditEntries_no_delete" BEFORE DELETE ON "AuditEntries" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    ];

    public static readonly string[] SqliteDown =
    [
        """DROP TRIGGER IF EXISTS "AuditEntries_no_update";""",
        """DROP TRIGGER IF EXISTS "AuditEntries_no_delete";""",
    ];

    public static readonly string[] PostgresUp =
    [
        """
        CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
        """,
        """CREATE TRIGGER "AuditEntries_append_only" BEFORE UPDATE OR DELETE ON "AuditEntries" FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();""",
        """CREATE TRIGGER "AuditEntries_no_truncate" BEFORE TRUNCATE ON "AuditEntries" FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();""",
    ];

    public static readonly string[] PostgresDown =
    [
        """DROP TRIGGER IF EXISTS "AuditEntries_no_truncate" ON "AuditEntries";""",
        """DROP TRIGGER IF EXISTS "AuditEntries_append_only" ON "AuditEntries";""",
        """DROP FUNCTION IF EXISTS audit_entries_append_only();""",
    ];
}
