using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlertHub.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Readiness : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CoverageNotice",
                table: "Alerts",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ReadinessChecks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    RegionId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    AnswerBy = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ConcludedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReadinessChecks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ReadinessTargets",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CheckId = table.Column<Guid>(type: "uuid", nullable: false),
                    PersonId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Discipline = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Devices = table.Column<int>(type: "integer", nullable: false),
                    AnsweredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    AnsweredVia = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    Problem = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    SmsSent = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReadinessTargets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReadinessTargets_ReadinessChecks_CheckId",
                        column: x => x.CheckId,
                        principalTable: "ReadinessChecks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ReadinessChecks_RegionId_Day",
                table: "ReadinessChecks",
                columns: new[] { "RegionId", "Day" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReadinessTargets_CheckId_PersonId",
                table: "ReadinessTargets",
                columns: new[] { "CheckId", "PersonId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReadinessTargets_PersonId",
                table: "ReadinessTargets",
                column: "PersonId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ReadinessTargets");

            migrationBuilder.DropTable(
                name: "ReadinessChecks");

            migrationBuilder.DropColumn(
                name: "CoverageNotice",
                table: "Alerts");
        }
    }
}
