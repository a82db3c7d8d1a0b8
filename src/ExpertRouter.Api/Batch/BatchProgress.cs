using System.Diagnostics;

namespace ExpertRouter.Api.Batch;

/// <summary>
/// Live progress of one batch execution, shown by <c>GET /api/jobs/{id}</c> (and the batch object's
/// <c>expert_router.progress</c>): the phase, lines done/failed of the whole batch, and per phase and
/// per expert group the lines done of total, state, throughput and an ETA. Thread-safe.
/// </summary>
internal sealed class BatchProgress
{
    private readonly Lock _gate = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<Group> _phases = [];
    private readonly List<Group> _groups = [];
    private string _phase = "validating";
    private string? _message;
    private int _doneThisRun;
    private int _resumedCalls;

    public BatchProgress(int total) => Total = total;

    public int Total { get; }

    /// <summary>Lines answered with 2xx (including those checkpointed by earlier attempts).</summary>
    public int Completed { get; private set; }

    /// <summary>Lines that failed: malformed, rejected, or failed after their retries.</summary>
    public int Failed { get; private set; }

    /// <summary>Records how many expert answers of routed lines were restored from an earlier attempt instead of being computed again.</summary>
    public void SetResumedCalls(int calls)
    {
        lock (_gate)
        {
            _resumedCalls = calls;
        }
    }

    public void SetCounts(int completed, int failed)
    {
        lock (_gate)
        {
            Completed = completed;
            Failed = failed;
        }
    }

    public void Phase(string name, int lines, string? message = null)
    {
        lock (_gate)
        {
            _phase = name;
            _message = message;
            if (_phases.Count > 0)
            {
                _phases[^1].Finish();
            }

            var phase = new Group(name, "phase", lines);
            phase.Start();
            _phases.Add(phase);
        }
    }

    public void Message(string message)
    {
        lock (_gate)
        {
            _message = message;
        }
    }

    /// <summary>Registers an expert (or router) group in the execution order.</summary>
    public Group AddGroup(string name, string kind, int lines)
    {
        lock (_gate)
        {
            var group = new Group(name, kind, lines);
            _groups.Add(group);
            return group;
        }
    }

    /// <summary>Changes a group under the tracker's lock.</summary>
    public void Update(Group group, Action<Group> change)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            change(group);
        }
    }

    /// <summary>Counts an expert call of a routed line that ended now (the line itself ends later).</summary>
    public void CallEnded(Group group, bool succeeded)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            group.Count(succeeded);
            if (_phases.Count > 0)
            {
                _phases[^1].Count(succeeded);
            }
        }
    }

    /// <summary>Counts a line that ended now (in this execution).</summary>
    public void LineEnded(Group group, bool succeeded)
    {
        lock (_gate)
        {
            CallEnded(group, succeeded);
            _doneThisRun++;
            if (succeeded)
            {
                Completed++;
            }
            else
            {
                Failed++;
            }
        }
    }

    public object Snapshot()
    {
        lock (_gate)
        {
            var elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            var remaining = Math.Max(0, Total - Completed - Failed);
            return new
            {
                phase = _phase,
                message = _message,
                lines = new { total = Total, completed = Completed, failed = Failed, remaining },
                elapsedSeconds = Math.Round(elapsed, 1),
                etaSeconds = _doneThisRun > 0 && remaining > 0 ? Math.Round(elapsed / _doneThisRun * remaining, 1) : (double?)null,
                resumedCalls = _resumedCalls,
                phases = _phases.Select(p => p.Snapshot()).ToList(),
                experts = _groups.Select(g => g.Snapshot()).ToList(),
            };
        }
    }

    /// <summary>One phase or one expert group: its lines, state and timing. Mutated under the tracker's lock.</summary>
    internal sealed class Group(string name, string kind, int lines)
    {
        private long? _started;
        private long? _finished;

        public string Name { get; } = name;

        public int Lines { get; } = lines;

        public int Done { get; private set; }

        public int Failed { get; private set; }

        public int Retries { get; set; }

        /// <summary>For expert groups: how many of its requests are calls of routed lines (the rest are lines of its own).</summary>
        public int? RoutedCalls { get; set; }

        public string State { get; set; } = "pending";

        /// <summary>For expert groups: resident when the batch reached it, and whether it was loaded for the batch.</summary>
        public bool? WasResident { get; set; }

        public bool? LoadedForBatch { get; set; }

        public void Start()
        {
            _started ??= Stopwatch.GetTimestamp();
            State = "running";
        }

        public void Finish()
        {
            _finished ??= Stopwatch.GetTimestamp();
            if (State is "running" or "pending" or "loading")
            {
                State = "done";
            }
        }

        public void Count(bool succeeded)
        {
            if (succeeded)
            {
                Done++;
            }
            else
            {
                Failed++;
            }
        }

        public object Snapshot()
        {
            var seconds = _started is { } s ? (_finished is { } f ? Stopwatch.GetElapsedTime(s, f) : Stopwatch.GetElapsedTime(s)).TotalSeconds : 0;
            var ended = Done + Failed;
            var left = Math.Max(0, Lines - ended);
            return new
            {
                name = Name,
                kind,
                state = State,
                lines = Lines,
                routedCalls = RoutedCalls,
                done = Done,
                failed = Failed,
                retries = Retries,
                wasResident = WasResident,
                loadedForBatch = LoadedForBatch,
                seconds = Math.Round(seconds, 2),
                linesPerSecond = seconds > 0 && ended > 0 ? Math.Round(ended / seconds, 2) : (double?)null,
                etaSeconds = ended > 0 && left > 0 && _finished is null ? Math.Round(seconds / ended * left, 1) : (double?)null,
            };
        }
    }
}
