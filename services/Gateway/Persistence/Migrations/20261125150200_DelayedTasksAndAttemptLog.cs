using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bus.Gateway.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class DelayedTasksAndAttemptLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "attempt_log",
                schema: "bus",
                table: "tasks",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "run_at",
                schema: "bus",
                table: "tasks",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "schedule_token_id",
                schema: "bus",
                table: "tasks",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "attempt_log",
                schema: "bus",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "run_at",
                schema: "bus",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "schedule_token_id",
                schema: "bus",
                table: "tasks");
        }
    }
}
