using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bus.Gateway.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class CancellationAndTimeouts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "cancel_requested_at",
                schema: "bus",
                table: "tasks",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<TimeSpan>(
                name: "timeout",
                schema: "bus",
                table: "tasks",
                type: "interval",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "cancel_requested_at",
                schema: "bus",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "timeout",
                schema: "bus",
                table: "tasks");
        }
    }
}
