using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlertHub.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AlarmCode : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "AlarmCodeFailures",
                table: "People",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "AlarmCodeHash",
                table: "People",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "AlarmCodeLockedUntil",
                table: "People",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AlarmCodeFailures",
                table: "People");

            migrationBuilder.DropColumn(
                name: "AlarmCodeHash",
                table: "People");

            migrationBuilder.DropColumn(
                name: "AlarmCodeLockedUntil",
                table: "People");
        }
    }
}
