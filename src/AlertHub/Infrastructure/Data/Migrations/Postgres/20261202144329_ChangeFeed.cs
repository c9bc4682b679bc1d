using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlertHub.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ChangeFeed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "EvaluationId",
                table: "OutboxMessages",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ChangeSeq",
                table: "Alerts",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "RaiseOrder",
                table: "Alerts",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "Version",
                table: "Alerts",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "ChangeCounters",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Value = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChangeCounters", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "ChangeCounters",
                columns: new[] { "Id", "Value" },
                values: new object[] { 1, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_ChangeSeq",
                table: "Alerts",
                column: "ChangeSeq");

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_RaiseOrder",
                table: "Alerts",
                column: "RaiseOrder");

            // Alerts of v1: version 1, their raise is their change, the counter continues after them.
            migrationBuilder.Sql("""UPDATE "Alerts" SET "Version" = 1, "ChangeSeq" = "Sequence", "RaiseOrder" = "Sequence";""");
            migrationBuilder.Sql("""UPDATE "ChangeCounters" SET "Value" = COALESCE((SELECT MAX("Sequence") FROM "Alerts"), 0) WHERE "Id" = 1;""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChangeCounters");

            migrationBuilder.DropIndex(
                name: "IX_Alerts_ChangeSeq",
                table: "Alerts");

            migrationBuilder.DropIndex(
                name: "IX_Alerts_RaiseOrder",
                table: "Alerts");

            migrationBuilder.DropColumn(
                name: "EvaluationId",
                table: "OutboxMessages");

            migrationBuilder.DropColumn(
                name: "ChangeSeq",
                table: "Alerts");

            migrationBuilder.DropColumn(
                name: "RaiseOrder",
                table: "Alerts");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "Alerts");
        }
    }
}
