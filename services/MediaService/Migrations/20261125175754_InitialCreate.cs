using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bus.MediaService.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "media");

            migrationBuilder.CreateTable(
                name: "outputs",
                schema: "media",
                columns: table => new
                {
                    task_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    image_path = table.Column<string>(type: "text", nullable: false),
                    output_path = table.Column<string>(type: "text", nullable: true),
                    format = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    width = table.Column<int>(type: "integer", nullable: true),
                    height = table.Column<int>(type: "integer", nullable: true),
                    bytes_before = table.Column<long>(type: "bigint", nullable: true),
                    bytes_after = table.Column<long>(type: "bigint", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outputs", x => x.task_id);
                    table.CheckConstraint("ck_outputs_status", "status IN ('pending', 'completed', 'failed')");
                });

            migrationBuilder.CreateIndex(
                name: "ix_outputs_created_at",
                schema: "media",
                table: "outputs",
                column: "created_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "outputs",
                schema: "media");
        }
    }
}
