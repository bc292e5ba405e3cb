using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bus.Gateway.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ParentTasks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "parent_task_id",
                schema: "bus",
                table: "tasks",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_tasks_parent_task_id",
                schema: "bus",
                table: "tasks",
                column: "parent_task_id",
                filter: "parent_task_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_tasks_parent_task_id",
                schema: "bus",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "parent_task_id",
                schema: "bus",
                table: "tasks");
        }
    }
}
