using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlertHub.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SmsReconciliation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "EvaluationId",
                table: "SmsMessages",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "InboundSms",
                columns: table => new
                {
                    MessageSid = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Reply = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InboundSms", x => x.MessageSid);
                });

            migrationBuilder.CreateTable(
                name: "SmsStatusCallbacks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageSid = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    MessageStatus = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ErrorCode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SmsStatusCallbacks", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_InboundSms_ReceivedAt",
                table: "InboundSms",
                column: "ReceivedAt");

            migrationBuilder.CreateIndex(
                name: "IX_SmsStatusCallbacks_MessageSid",
                table: "SmsStatusCallbacks",
                column: "MessageSid");

            migrationBuilder.CreateIndex(
                name: "IX_SmsStatusCallbacks_ReceivedAt",
                table: "SmsStatusCallbacks",
                column: "ReceivedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "InboundSms");

            migrationBuilder.DropTable(
                name: "SmsStatusCallbacks");

            migrationBuilder.DropColumn(
                name: "EvaluationId",
                table: "SmsMessages");
        }
    }
}
