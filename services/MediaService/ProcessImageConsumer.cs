using System.Data;
using Bus.Contracts.Media;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bus.MediaService;

/// <summary>What <c>TaskCompleted.Result</c> holds for a media task (camelCase JSON); paths as the task gave them, from the storage root.</summary>
public sealed record ProcessImageResult(string ImagePath, string OutputPath, string Format, int Width, int Height, long BytesBefore, long BytesAfter);

public sealed class ProcessImageConsumer(
    StorageRoot storage,
    ImageInspector inspector,
    ImageProcessor processor,
    MediaDbContext db,
    ILogger<ProcessImageConsumer> logger) : IConsumer<ProcessImage>
{
    private const int MaxErrorLength = 2000;
    private const int MaxOperations = 20;

    public async Task Consume(ConsumeContext<ProcessImage> context)
    {
        var command = context.Message;
        var taskId = command.TaskId;
        var cancellationToken = context.CancellationToken;
        if (taskId == Guid.Empty)
            throw new PermanentTaskException("ProcessImage.TaskId is required");
        if (command.Operations is not { Count: > 0 and <= MaxOperations })
            throw new PermanentTaskException($"ProcessImage needs 1 to {MaxOperations} operations");

        // The row lock is held until commit, across processing and the completion report: a concurrent delivery of this
        // task waits, then reads "completed" and neither writes nor reports again.
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var ledger = await LockOutputAsync(taskId, command.ImagePath ?? "", cancellationToken);
        if (ledger.Status == OutputStatus.Completed)
        {
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Task {TaskId} already wrote {OutputPath} and reported it; doing nothing again", taskId, ledger.OutputPath);
            return;
        }

        ledger.Attempts++;
        ProcessImageResult result;
        try
        {
            result = await ProcessAsync(context, command, cancellationToken);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Attempt {Attempt} of task {TaskId} failed ({Kind})", ledger.Attempts, taskId,
                cancellationToken.IsCancellationRequested ? "stopped: cancelled or timed out" : exception is PermanentTaskException ? "permanent" : "transient");
            await RecordFailureAsync(ledger, transaction, exception);
            throw;
        }

        var now = DateTimeOffset.UtcNow;
        ledger.Status = OutputStatus.Completed;
        ledger.OutputPath = result.OutputPath;
        ledger.Format = result.Format;
        ledger.Width = result.Width;
        ledger.Height = result.Height;
        ledger.BytesBefore = result.BytesBefore;
        ledger.BytesAfter = result.BytesAfter;
        ledger.CompletedAt = now;
        ledger.UpdatedAt = now;
        ledger.LastError = null;
        await db.SaveChangesAsync(CancellationToken.None);
        // Reported before the commit (the publish is confirmed by the broker): a delivery that finds the row completed
        // knows the report went out. Dying between the two only means the next delivery writes the same file again.
        await context.ReportCompleted(taskId, result);
        await transaction.CommitAsync(CancellationToken.None);
        logger.LogInformation("Task {TaskId} wrote {OutputPath} ({Format} {Width}×{Height}, {BytesBefore} → {BytesAfter} bytes)",
            taskId, result.OutputPath, result.Format, result.Width, result.Height, result.BytesBefore, result.BytesAfter);
    }

    private async Task<ProcessImageResult> ProcessAsync(ConsumeContext context, ProcessImage command, CancellationToken cancellationToken)
    {
        var taskId = command.TaskId;
        var input = storage.Resolve(command.ImagePath ?? "", "imagePath");
        var inputTaskPath = storage.ToTaskPath(input);
        var facts = await inspector.InspectAsync(input, inputTaskPath, cancellationToken);
        await context.ReportProgress(taskId, 5, $"{facts.Format.Name} {facts.Width}×{facts.Height}, {facts.Bytes} bytes");

        var format = ImageProcessor.OutputFormat(command.Operations, command.OutputPath, facts.Format);
        var output = storage.Resolve(command.OutputPath ?? DefaultOutputPath(inputTaskPath, format), "outputPath");
        if (output == input && !command.Overwrite)
            throw new PermanentTaskException($"outputPath '{storage.ToTaskPath(output)}' is the input image; set overwrite to replace it");
        if (Directory.Exists(output))
            throw new PermanentTaskException($"outputPath '{storage.ToTaskPath(output)}' is a directory");

        var count = command.Operations.Count;
        var processed = await processor.ProcessAsync(input, inputTaskPath, facts, command.Operations, format,
            (index, operation, image) => context.ReportProgress(taskId, 10 + 80 * (index + 1) / count,
                $"{operation.Type} done ({index + 1}/{count}): {image.Width}×{image.Height}"),
            cancellationToken);

        await WriteAtomicallyAsync(output, processed.Bytes, taskId, cancellationToken);
        await context.ReportProgress(taskId, 95, $"Wrote {storage.ToTaskPath(output)}");
        return new ProcessImageResult(inputTaskPath, storage.ToTaskPath(output), processed.Format, processed.Width, processed.Height,
            facts.Bytes, processed.Bytes.LongLength);
    }

    /// <summary><c>{name}-processed.{ext}</c> beside the input, the extension that of the output format.</summary>
    private static string DefaultOutputPath(string inputTaskPath, string format)
    {
        var directory = inputTaskPath[..(inputTaskPath.LastIndexOf('/') + 1)];
        return $"{directory}{Path.GetFileNameWithoutExtension(inputTaskPath)}-processed.{ImageProcessor.Formats[format].Extension}";
    }

    /// <summary>Written beside the target and renamed over it, so a reader never sees half a file and a crash leaves no partial output.</summary>
    private static async Task WriteAtomicallyAsync(string output, byte[] bytes, Guid taskId, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(output)}.{taskId:N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                await stream.WriteAsync(bytes, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, output, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>Creates the task's ledger row if it is new, then locks it (the insert makes sure there is a row to lock).</summary>
    private async Task<MediaOutput> LockOutputAsync(Guid taskId, string imagePath, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO media.outputs (task_id, status, image_path, attempts, created_at, updated_at)
            VALUES ({taskId}, 'pending', {imagePath}, 0, {now}, {now})
            ON CONFLICT (task_id) DO NOTHING
            """, cancellationToken);
        var rows = await db.Outputs
            .FromSql($"SELECT * FROM media.outputs WHERE task_id = {taskId} FOR UPDATE")
            .AsTracking()
            .ToListAsync(cancellationToken);
        return rows.Single();
    }

    private async Task RecordFailureAsync(MediaOutput ledger, IDbContextTransaction transaction, Exception exception)
    {
        try
        {
            ledger.Status = OutputStatus.Failed;
            ledger.LastError = $"{exception.GetType().Name}: {exception.Message}" is var error && error.Length > MaxErrorLength
                ? error[..MaxErrorLength]
                : error;
            ledger.UpdatedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception recordException)
        {
            logger.LogWarning(recordException, "Could not record the failed attempt of task {TaskId}", ledger.TaskId);
        }
    }
}
