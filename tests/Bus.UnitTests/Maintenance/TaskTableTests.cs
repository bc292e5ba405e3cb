using Bus.Gateway.Persistence;
using Bus.Gateway.Tasks;
using Bus.ServiceDefaults.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bus.UnitTests.Maintenance;

/// <summary>Other services read and trim the Gateway's task table by <see cref="TaskTable"/>'s names: they must be the model's.</summary>
public sealed class TaskTableTests
{
    [Fact]
    public void The_gateways_model_maps_tasks_to_the_shared_table_and_column_names()
    {
        using var db = new TaskDbContext(new DbContextOptionsBuilder<TaskDbContext>().UseNpgsql("Host=unused").Options);
        var entity = db.Model.FindEntityType(typeof(TaskState))!;

        Assert.Equal(TaskTable.QualifiedName, $"{entity.GetSchema()}.{entity.GetTableName()}");
        var columns = entity.GetProperties().Select(p => p.GetColumnName()).ToHashSet();
        Assert.Subset(columns, typeof(TaskTable.Columns).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet());
        Assert.Equal(TaskTable.Columns.Id, entity.FindPrimaryKey()!.Properties.Single().GetColumnName());
        Assert.Equal(TaskTable.Columns.Status, entity.FindProperty(nameof(TaskState.CurrentState))!.GetColumnName());
    }

    [Fact]
    public void The_statuses_are_the_task_state_machines_states()
    {
        var states = typeof(TaskStateMachine).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly).Where(p => p.PropertyType == typeof(State)).Select(p => p.Name).ToHashSet();

        Assert.Equal(states, typeof(TaskTable.Statuses).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet());
    }
}
