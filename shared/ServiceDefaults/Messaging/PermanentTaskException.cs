namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// A fault that another attempt cannot fix (bad payload, a recipient the server rejects, a 4xx from a partner).
/// The retry policy ignores it, so the message goes straight to the error queue and the task fails.
/// </summary>
public class PermanentTaskException(string message, Exception? innerException = null) : Exception(message, innerException);
