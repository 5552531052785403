using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApp.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Orders",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Number = table.Column<string>(type: "TEXT", nullable: false),
                    CustomerName = table.Column<string>(type: "TEXT", nullable: false),
                    CustomerEmail = table.Column<string>(type: "TEXT", nullable: false),
                    Total = table.Column<decimal>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Orders", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_blobs",
                columns: table => new
                {
                    sha256 = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false),
                    length = table.Column<long>(type: "INTEGER", nullable: false),
                    content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_blobs", x => x.sha256);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_messages",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    message_id = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    idempotency_key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    email_type = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    transport = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    category = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    bounce_address = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    headers = table.Column<string>(type: "TEXT", nullable: true),
                    tags = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    metadata = table.Column<string>(type: "TEXT", nullable: true),
                    state = table.Column<int>(type: "INTEGER", nullable: false),
                    priority = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    due_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    from = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    reply_to = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    culture = table.Column<string>(type: "TEXT", maxLength: 85, nullable: false),
                    subject = table.Column<string>(type: "TEXT", nullable: false),
                    html_body = table.Column<string>(type: "TEXT", nullable: true),
                    text_body = table.Column<string>(type: "TEXT", nullable: true),
                    attempt_count = table.Column<int>(type: "INTEGER", nullable: false),
                    lease_owner = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    lease_token = table.Column<Guid>(type: "TEXT", nullable: true),
                    lease_expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    sent_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    failed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_processed_reports",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    processed_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    detail = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_processed_reports", x => x.key);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_suppressions",
                columns: table => new
                {
                    address = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_suppressions", x => x.address);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_throttles",
                columns: table => new
                {
                    transport = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    next_slot_ticks = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_throttles", x => x.transport);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_unsubscriptions",
                columns: table => new
                {
                    address = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    category = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_unsubscriptions", x => new { x.address, x.category });
                });

            migrationBuilder.CreateTable(
                name: "typedmail_attachments",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    outbox_message_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    position = table.Column<int>(type: "INTEGER", nullable: false),
                    file_name = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    content_id = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    blob_sha256 = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_attachments", x => x.id);
                    table.ForeignKey(
                        name: "FK_typedmail_attachments_typedmail_blobs_blob_sha256",
                        column: x => x.blob_sha256,
                        principalTable: "typedmail_blobs",
                        principalColumn: "sha256",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_typedmail_attachments_typedmail_messages_outbox_message_id",
                        column: x => x.outbox_message_id,
                        principalTable: "typedmail_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_attempts",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    outbox_message_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    number = table.Column<int>(type: "INTEGER", nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    duration_ms = table.Column<double>(type: "REAL", nullable: false),
                    transport = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    dispatcher = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    reply_code = table.Column<int>(type: "INTEGER", nullable: true),
                    enhanced_status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    reply_text = table.Column<string>(type: "TEXT", nullable: true),
                    error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_attempts", x => x.id);
                    table.ForeignKey(
                        name: "FK_typedmail_attempts_typedmail_messages_outbox_message_id",
                        column: x => x.outbox_message_id,
                        principalTable: "typedmail_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_delivery_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    outbox_message_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    recipient = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    recorded_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    diagnostic = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    remote_mta = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    report_key = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_delivery_events", x => x.id);
                    table.ForeignKey(
                        name: "FK_typedmail_delivery_events_typedmail_messages_outbox_message_id",
                        column: x => x.outbox_message_id,
                        principalTable: "typedmail_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "typedmail_recipients",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    outbox_message_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    address = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    state = table.Column<int>(type: "INTEGER", nullable: false),
                    reply_code = table.Column<int>(type: "INTEGER", nullable: true),
                    enhanced_status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    reply_text = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_typedmail_recipients", x => x.id);
                    table.ForeignKey(
                        name: "FK_typedmail_recipients_typedmail_messages_outbox_message_id",
                        column: x => x.outbox_message_id,
                        principalTable: "typedmail_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_typedmail_attachments_blob_sha256",
                table: "typedmail_attachments",
                column: "blob_sha256");

            migrationBuilder.CreateIndex(
                name: "IX_typedmail_attachments_outbox_message_id",
                table: "typedmail_attachments",
                column: "outbox_message_id");

            migrationBuilder.CreateIndex(
                name: "IX_typedmail_attempts_outbox_message_id",
                table: "typedmail_attempts",
                column: "outbox_message_id");

            migrationBuilder.CreateIndex(
                name: "IX_typedmail_attempts_started_at",
                table: "typedmail_attempts",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "IX_typedmail_delivery_events_outbox_message_id",
                table: "typedmail_delivery_events",
                column: "outbox_message_id");

            migrationBuilder.CreateIndex(
                name: "IX_typedmail_delivery_events_recipient_kind",
                table: "typedmail_delivery_events",
                columns: new[] { "recipient", "kind" });

            migrationBuilder.CreateIndex(
                name: "ix_typedmail_messages_claim",
                table: "typedmail_messages",
                columns: new[] { "priority", "due_at" },
                descending: new[] { true, false },
                filter: "state IN (0, 1, 3)");

            migrationBuilder.CreateIndex(
                name: "ix_typedmail_messages_state_created",
                table: "typedmail_messages",
                columns: new[] { "state", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_typedmail_messages_state_sent_at",
                table: "typedmail_messages",
                columns: new[] { "state", "sent_at" },
                filter: "sent_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_typedmail_recipients_outbox_message_id",
                table: "typedmail_recipients",
                column: "outbox_message_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Orders");

            migrationBuilder.DropTable(
                name: "typedmail_attachments");

            migrationBuilder.DropTable(
                name: "typedmail_attempts");

            migrationBuilder.DropTable(
                name: "typedmail_delivery_events");

            migrationBuilder.DropTable(
                name: "typedmail_processed_reports");

            migrationBuilder.DropTable(
                name: "typedmail_recipients");

            migrationBuilder.DropTable(
                name: "typedmail_suppressions");

            migrationBuilder.DropTable(
                name: "typedmail_throttles");

            migrationBuilder.DropTable(
                name: "typedmail_unsubscriptions");

            migrationBuilder.DropTable(
                name: "typedmail_blobs");

            migrationBuilder.DropTable(
                name: "typedmail_messages");
        }
    }
}
