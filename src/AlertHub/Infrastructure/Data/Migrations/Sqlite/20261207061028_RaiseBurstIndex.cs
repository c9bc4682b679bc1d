using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlertHub.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RaiseBurstIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Alerts_RaisedById_RaisedAt",
                table: "Alerts",
                columns: new[] { "RaisedById", "RaisedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Alerts_RaisedById_RaisedAt",
                table: "Alerts");
        }
    }
}
