using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AlertHub.Infrastructure.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InstructionPush : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WebPushMessages_SubscriptionId_RecipientId_Repeat",
                table: "WebPushMessages");

            migrationBuilder.AddColumn<int>(
                name: "InstructionVersion",
                table: "WebPushMessages",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_WebPushMessages_SubscriptionId_RecipientId_Repeat_Instructi~",
                table: "WebPushMessages",
                columns: new[] { "SubscriptionId", "RecipientId", "Repeat", "InstructionVersion" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WebPushMessages_SubscriptionId_RecipientId_Repeat_Instructi~",
                table: "WebPushMessages");

            migrationBuilder.DropColumn(
                name: "InstructionVersion",
                table: "WebPushMessages");

            migrationBuilder.CreateIndex(
                name: "IX_WebPushMessages_SubscriptionId_RecipientId_Repeat",
                table: "WebPushMessages",
                columns: new[] { "SubscriptionId", "RecipientId", "Repeat" },
                unique: true);
        }
    }
}
