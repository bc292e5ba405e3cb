using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bus.Gateway.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TraceIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_id",
                schema: "bus",
                table: "tasks",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_id",
                schema: "bus",
                table: "tasks");
        }
    }
}
