using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlertHub.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SmsTimersAndHotline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "HotlineDays",
                table: "Regions",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "OutOfHoursPersonId",
                table: "Regions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastSmsErrorCode",
                table: "People",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PhoneFlaggedAt",
                table: "People",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SmsFailuresInARow",
                table: "People",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "ShortCode",
                table: "Alerts",
                type: "TEXT",
                maxLength: 8,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "ScheduledJobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SubjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClaimedBy = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ClaimedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScheduledJobs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SmsMessages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    AlertId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RecipientId = table.Column<Guid>(type: "TEXT", nullable: true),
                    PersonId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Purpose = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    To = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Body = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ProviderSid = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ErrorCode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SmsMessages", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Regions_OutOfHoursPersonId",
                table: "Regions",
                column: "OutOfHoursPersonId");

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_ShortCode",
                table: "Alerts",
                column: "ShortCode");

            migrationBuilder.CreateIndex(
                name: "IX_ScheduledJobs_CompletedAt_DueAt",
                table: "ScheduledJobs",
                columns: new[] { "CompletedAt", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ScheduledJobs_Kind_SubjectId",
                table: "ScheduledJobs",
                columns: new[] { "Kind", "SubjectId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SmsMessages_ProviderSid",
                table: "SmsMessages",
                column: "ProviderSid");

            migrationBuilder.CreateIndex(
                name: "IX_SmsMessages_RecipientId_Purpose",
                table: "SmsMessages",
                columns: new[] { "RecipientId", "Purpose" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SmsMessages_To_CreatedAt",
                table: "SmsMessages",
                columns: new[] { "To", "CreatedAt" });

            migrationBuilder.AddForeignKey(
                name: "FK_Regions_People_OutOfHoursPersonId",
                table: "Regions",
                column: "OutOfHoursPersonId",
                principalTable: "People",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Regions_People_OutOfHoursPersonId",
                table: "Regions");

            migrationBuilder.DropTable(
                name: "ScheduledJobs");

            migrationBuilder.DropTable(
                name: "SmsMessages");

            migrationBuilder.DropIndex(
                name: "IX_Regions_OutOfHoursPersonId",
                table: "Regions");

            migrationBuilder.DropIndex(
                name: "IX_Alerts_ShortCode",
                table: "Alerts");

            migrationBuilder.DropColumn(
                name: "HotlineDays",
                table: "Regions");

            migrationBuilder.DropColumn(
                name: "OutOfHoursPersonId",
                table: "Regions");

            migrationBuilder.DropColumn(
                name: "LastSmsErrorCode",
                table: "People");

            migrationBuilder.DropColumn(
                name: "PhoneFlaggedAt",
                table: "People");

            migrationBuilder.DropColumn(
                name: "SmsFailuresInARow",
                table: "People");

            migrationBuilder.DropColumn(
                name: "ShortCode",
                table: "Alerts");
        }
    }
}
