using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlertHub.Infrastructure.Data.Migrations.Sqlite
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
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "AlarmCodeHash",
                table: "People",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "AlarmCodeLockedUntil",
                table: "People",
                type: "INTEGER",
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
