using System.Globalization;
using System.Text;
using Codomyrmex.Scheduler.Cli.Jobs;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Cli.Tests.Jobs;

/// <summary>
/// Property: whatever bytes a jobs file holds, reading and checking it (JSON, crontab, system crontab) gives either jobs or
/// errors with their places, and never lets an exception escape.
/// </summary>
/// <remarks>
/// The suite runs a few thousand cases; set SCHEDCTL_FUZZ_ITER (for example to 300000) for a long run. Inputs are random
/// bytes and valid files damaged by edits that aim at the readers' edges: quotes and brackets, escapes of NUL and lone
/// surrogates, bytes that are not UTF-8, huge numbers and durations, repeated keys, @reboot, %, user columns.
/// </remarks>
public sealed class JobsFileFuzzTests
{
    private static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("SCHEDCTL_FUZZ_ITER"), CultureInfo.InvariantCulture, out long n) ? n : 3000;

    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static readonly string[] Seeds =
    [
        """
        { "jobs": [
          { "name": "backup", "schedule": "30 2 * * 1-5", "time_zone": "Europe/Berlin", "command": ["tar", "czf", "/b.tgz"],
            "env": { "K": "V" }, "timeout": "1h", "max_runs": 3, "overlap": "queue", "misfire": "run_all", "misfire_grace": "2m",
            "max_attempts": 3, "retry_delay": "10m", "recoverable": true, "working_dir": "/tmp" },
          { "name": "i", "trigger": { "type": "interval", "minutes": 5, "end_time": "2099-01-01T00:00:00Z" }, "command": "echo hi", "shell": true },
          { "name": "o", "trigger": { "type": "once", "run_at": "2099-01-01T09:00:00Z" }, "command": ["x"] },
          { "name": "boot", "schedule": "@reboot", "command": ["x"] },
        ] }
        """,
        """
        SHELL=/bin/bash
        MAILTO=ops@example.com
        CRON_TZ=America/New_York
        */5 * * * * echo ok \% done
        @reboot /usr/bin/start
        @every 30s echo often
        0 0 L * * /usr/bin/monthly
        """,
        """
        # /etc/crontab
        17 * * * * root cd / && run-parts --report /etc/cron.hourly
        @daily root /bin/true
        """,
    ];

    private static readonly string[] Fragments =
    [
        "\"", "{", "}", "[", "]", ",", ":", "\\", "\\u0000", "\\ud800", "\\udc00", "\0", "\n", "\r", " ", "null", "true", "1e400", "-1", "0",
        "2147483648", "99999999999999999999", "\"@reboot\"", "\"@every 10675199d\"", "\"days\": 10675199", "\"end_time\": \"2000-01-01T00:00:00Z\"",
        "\"name\": \"a\"", "\"jobs\": []", "\"env\": {\"\": \"x\", \"A=B\": \"y\"}", "\"timeout\": \"50d\"", "\"retry_delay\": \"99999d\"",
        "%", "\\%", "@reboot ", "@every ", "CRON_TZ=Nowhere\n", "MAILTO=\n", "root ", "* ", "L", "W", "#", "?", "/", "-", "é", "😀",
        "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-14:00",
    ];

    private static readonly Gen<byte[]> RandomBytes = Gen.Byte.Array[0, 80];

    private static readonly Gen<byte[]> DamagedFiles =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Gen.Select(Gen.Int[0, 4], Gen.Int[0, 4000], Gen.Int[0, Fragments.Length - 1], Gen.Byte).Array[0, 4])
            .Select((seed, edits) =>
            {
                var bytes = new List<byte>(Encoding.UTF8.GetBytes(Seeds[seed]));
                foreach ((int op, int at, int fragment, byte value) in edits)
                {
                    int position = at % (bytes.Count + 1);
                    int length = Math.Min(1 + (at % 17), bytes.Count - position);
                    switch (op)
                    {
                        case 0 or 1:
                            bytes.InsertRange(position, Encoding.UTF8.GetBytes(Fragments[fragment]));
                            break;
                        case 2:
                            bytes.RemoveRange(position, length);
                            break;
                        case 3:
                            bytes.InsertRange(position, bytes.GetRange(position, length));
                            break;
                        default:
                            if (position < bytes.Count)
                            {
                                bytes[position] = value;
                            }

                            break;
                    }
                }

                return bytes.ToArray();
            });

    /// <summary>As root or not, on a machine whose only account is root (no process is started to ask).</summary>
    private static readonly Gen<Accounts> Machines =
        Gen.OneOfConst(new Accounts(true, name => name == "root"), new Accounts(false, name => name == "root"));

    private static readonly Gen<(byte[] Bytes, JobsFileFormat? Format, bool System, Accounts Accounts)> Files = Gen.Select(
        Gen.Frequency((1, RandomBytes), (4, DamagedFiles)), Gen.OneOfConst<JobsFileFormat?>(null, JobsFileFormat.Json, JobsFileFormat.Crontab), Gen.Bool, Machines);

    [Fact]
    public void ReadAndCheck_AnyBytes_GiveJobsOrPlacedErrors_NeverAnException()
    {
        Files.Sample(
            file =>
            {
                JobsFileResult read = JobsFileReader.Parse("jobs", file.Bytes, file.Format, file.System);
                AssertWellFormed(read);

                JobsFileResult checkedFile = JobsFileCheck.CheckAsync(read, Clock, file.Accounts, CancellationToken.None)
                    .GetAwaiter().GetResult();
                AssertWellFormed(checkedFile);
                if (checkedFile.File is { } file1)
                {
                    Assert.Equal(file1.Jobs.Count, file1.Definitions.Count);
                }
            },
            iter: Iterations,
            print: file => Convert.ToBase64String(file.Bytes) + $" format={file.Format} system={file.System} root={file.Accounts.IsRoot}");
    }

    private static void AssertWellFormed(JobsFileResult result)
    {
        Assert.True(result.File is null == result.Errors.Count > 0, "a result has jobs or errors, not both or neither");
        foreach (FileError error in result.Errors)
        {
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
            Assert.True(error.Line >= 0 && error.Column >= 0 && (error.Line == 0) == (error.Column == 0), $"{error.Line}:{error.Column} {error.Message}");
        }
    }
}
