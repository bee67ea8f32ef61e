using System;
using System.IO;
using System.Management.Automation;
using Cxpa.Engine;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Time;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Starts a run of a file-output agent and streams the file it produces to disk or into a stream.</para>
    /// </summary>
    [Cmdlet(VerbsData.Save, "CxpaRunOutput", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = PathSet,
        HelpUri = HelpUris.Docs + "Save-CxpaRunOutput.md")]
    [OutputType(typeof(FileInfo), ParameterSetName = new[] { PathSet, LiteralPathSet })]
    [OutputType(typeof(SavedRunOutput), ParameterSetName = new[] { StreamSet })]
    public sealed class SaveCxpaRunOutputCommand : CxpaRunCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string StreamSet = "Stream";

        #region Parameters

        /// <summary>The run's input: a hashtable, a PSCustomObject or JSON text of an object. Each pipeline input starts one run.</summary>
        [Parameter(Position = 1, ValueFromPipeline = true)]
        [Alias("Input")]
        public object? InputObject { get; set; }

        /// <summary>
        /// A folder (the file name comes from the platform's Content-Disposition) or a file path. A path that ends in a
        /// directory separator, or names an existing folder, is a folder; one ending in a separator is created when missing.
        /// Defaults to the current FileSystem location.
        /// </summary>
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>As -Path, with every character taken as written (no escape characters, no wildcards): for names with [ ] or `.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string? LiteralPath { get; set; }

        /// <summary>Replaces an existing file. Without it an existing file is never touched.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        public SwitchParameter Force { get; set; }

        /// <summary>A writable stream the caller owns: the file's bytes are written into it as they arrive, with no temporary file. It is never closed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = StreamSet)]
        [ValidateNotNull]
        public Stream? Destination { get; set; }

        /// <summary>
        /// Called with the platform's headers (a Cxpa.SavedRunOutput without Length) after the platform answered and before
        /// the first byte is written to -Destination, so that a backend can set its response's headers from them.
        /// </summary>
        [Parameter(ParameterSetName = StreamSet)]
        [ValidateNotNull]
        public ScriptBlock? BeforeWrite { get; set; }

        /// <summary>The low-speed floor in bytes per second: a transfer slower than this over -LowSpeedTimeSeconds is a Timeout error. 0 turns it off. Default 1024.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int LowSpeedLimit { get; set; } = (int)DownloadAnswer.DefaultLowSpeedLimit;

        /// <summary>The window, in seconds, over which the low-speed floor is measured. Default 60.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int LowSpeedTimeSeconds { get; set; } = DownloadAnswer.DefaultLowSpeedSeconds;

        /// <summary>The longest the platform may wait for the runtime to start answering, in seconds (capped at 300 by the platform). Default 300.</summary>
        [Parameter]
        [Alias("TimeoutSec")]
        [ValidateRange(1, 300)]
        public int WaitTimeoutSeconds { get; set; } = 300;

        #endregion

        #region Overrides

        private string _directory = "";
        private string? _fileName;
        private bool _createDirectory;

        /// <summary>Checks the target before anything is sent.</summary>
        protected override void BeginProcessing()
        {
            if (ParameterSetName == StreamSet)
            {
                RequireWritable();
                ResolveRunConnection();
                return;
            }
            // The clean-up of temporary files is in place before anything is sent: a SIGTERM from then on removes them.
            TempFiles.Prepare();
            var given = LiteralPath ?? Path;
            var target = given == null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : FileSystemPath(given);
            if (Directory.Exists(target))
            {
                _directory = target;
            }
            else if (given != null && (given.EndsWith("/", StringComparison.Ordinal) || given.EndsWith("\\", StringComparison.Ordinal)))
            {
                // A path ending in a separator is a folder: created (after -WhatIf/-Confirm) when missing.
                if (File.Exists(target.TrimEnd('/', '\\')))
                    Terminate("NotAFolder", $"'{given}' ends in a directory separator, but '{target.TrimEnd('/', '\\')}' is a file. Nothing was sent.", ErrorCategory.InvalidArgument, given);
                _directory = target;
                _createDirectory = true;
            }
            else
            {
                var dir = System.IO.Path.GetDirectoryName(target);
                if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
                    Terminate("DirectoryNotFound", $"The directory of '{target}' does not exist.", ErrorCategory.ObjectNotFound, given);
                _directory = dir!;
                _fileName = System.IO.Path.GetFileName(target);
                if (FileNames.Utf8Length(_fileName) > FileNames.MaxNameBytes)
                    Terminate("FileNameTooLong", $"The file name '{_fileName}' is {FileNames.Utf8Length(_fileName)} bytes long in UTF-8; file systems take at most {FileNames.MaxNameBytes}. Nothing was sent.",
                        ErrorCategory.InvalidArgument, given);
                if (File.Exists(target) && !Force)
                    Terminate("FileExists", $"The file '{target}' exists. Use -Force to replace it.", ErrorCategory.ResourceExists, target);
            }
            ResolveRunConnection();
        }

        /// <summary>
        /// The file-system path of -Path or -LiteralPath, relative paths taken from the current location. A path on a drive of
        /// another provider (Env:, HKLM:, Cert:, or a relative path while the current location is one) is a terminating
        /// NotFileSystemPath error naming the drive.
        /// </summary>
        private string FileSystemPath(string given)
        {
            // Not expanded as a wildcard, with -Path as with -LiteralPath: every character is taken as written.
            var psPath = given;
            string resolved;
            ProviderInfo provider;
            PSDriveInfo? drive;
            try
            {
                resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(psPath, out provider, out drive);
            }
            catch (Exception ex) when (ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException || ex is ArgumentException)
            {
                Terminate("InvalidPath", $"'{given}' is not a path a file can be saved to ({ex.Message}). Nothing was sent.", ErrorCategory.InvalidArgument, given, ex);
                throw;
            }
            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                var name = drive?.Name ?? provider.Name;
                Terminate("NotFileSystemPath",
                    $"'{given}' is on the {name}: drive of the {provider.Name} provider, where no file can be saved. Give a path on a FileSystem drive (for example under {SessionState.Path.CurrentFileSystemLocation.ProviderPath}). Nothing was sent.",
                    ErrorCategory.InvalidArgument, given);
            }
            return resolved;
        }

        /// <summary>Starts one run and saves its file.</summary>
        protected override void ProcessRecord()
        {
            var agentId = ResolveAgentId();
            if (!TryJson(InputObject, nameof(InputObject), anyValue: false, out var input)) return;
            var toStream = ParameterSetName == StreamSet;
            if (toStream) RequireWritable();
            // -WaitTimeoutSeconds here is the platform's window for the runtime to start the file, not a budget for the download.
            var window = WaitDeadline.Start(WaitTimeoutSeconds).ServerWindow(CxpaOperations.PlatformWaitCeiling);
            var operation = CxpaOperations.TriggerAndDownload(AuthKind, agentId, input, window);
            var into = toStream ? $"writing it into the destination stream ({Destination!.GetType().Name})"
                : $"saving to {(_fileName != null ? System.IO.Path.Combine(_directory, _fileName) : _directory)}";
            var ticker = new ProgressTicker(this, $"Saving the output of agent {agentId}");
            var started = DateTimeOffset.UtcNow;
            CxpaClient Confirmed()
            {
                if (!toStream)
                {
                    if (_createDirectory) CreateFolder();
                    RequireFolderWritable();
                }
                RunConnection.NoteAgent(agentId);
                started = DateTimeOffset.UtcNow;
                return CreateClient(RunConnection);
            }
            try
            {
                Send(operation, Confirmed, download =>
                {
                    using var answer = download;
                    if (answer.TimedOut)
                    {
                        var run = new Run { RunId = answer.RunId ?? 0, AgentId = agentId, Status = RunStatus.Running };
                        var ex = new CxpaRunWaitTimeoutException($"Run {run.RunId} of agent {agentId} did not start its file within -WaitTimeoutSeconds {WaitTimeoutSeconds} s; the run goes on, but the platform does not keep file bytes, so this file cannot be downloaded later.", run.RunId, agentId, run.Status);
                        WriteError(new ErrorRecord(ex, "RunWaitTimeout", ErrorCategory.OperationTimeout, run) { ErrorDetails = new ErrorDetails(ex.Message) });
                        return;
                    }
                    answer.LowSpeedLimit = LowSpeedLimit;
                    answer.LowSpeedTime = TimeSpan.FromSeconds(LowSpeedTimeSeconds);
                    if (answer.ContentEncoding != null && !answer.Decoded)
                        WriteWarning($"Run {answer.RunId}'s file has the Content-Encoding '{answer.ContentEncoding}', which cannot be decoded here: it is saved as received, still encoded.");
                    var progress = new DownloadProgress();
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    void Tick()
                    {
                        var done = progress.BytesReceived;
                        var total = progress.TotalBytes;
                        var rate = clock.Elapsed.TotalSeconds > 0 ? done / clock.Elapsed.TotalSeconds : 0;
                        ticker.Update(total is > 0
                                ? $"{progress.FileName}: {Bytes(done)} of {Bytes(total.Value)} ({Bytes((long)rate)}/s)"
                                : $"{progress.FileName}: {Bytes(done)} ({Bytes((long)rate)}/s)",
                            total is > 0 ? (int)(done * 100 / total.Value) : -1,
                            total is > 0 && rate > 0 ? (int)((total.Value - done) / rate) : -1);
                    }
                    if (toStream)
                    {
                        var output = new SavedRunOutput
                        {
                            RunId = answer.RunId,
                            AgentId = agentId,
                            FileName = answer.SuggestedFileName,
                            ContentType = FileNames.HeaderSafe(answer.ContentType),
                            // The length of what is written: the declared one, unless the body is decoded on the way.
                            ContentLength = answer.Decoded ? null : answer.ContentLength,
                            ContentDisposition = answer.ContentDisposition,
                            AttachmentDisposition = answer.SuggestedFileName is { } n ? FileNames.AttachmentHeader(n) : null,
                        };
                        // The headers reach the caller before the first byte does, so that a backend can forward them.
                        BeforeWrite?.Invoke(output);
                        // The engine writes into the caller's stream; on a failure or Ctrl+C the stream is left open as it is.
                        output.Length = Await(answer.CopyToAsync(Destination!, progress, StopToken), Tick);
                        ticker.Complete();
                        WriteObject(output);
                        return;
                    }
                    var name = _fileName ?? answer.SuggestedFileName ?? $"run-{answer.RunId?.ToString() ?? "output"}.bin";
                    var saved = Await(answer.SaveAsync(_directory, name, Force, progress, StopToken), Tick);
                    if (_fileName == null && !string.Equals(System.IO.Path.GetFileName(saved.Path), name, StringComparison.Ordinal))
                        WriteWarning($"'{name}' exists in {_directory}; saved run {saved.RunId}'s file as '{System.IO.Path.GetFileName(saved.Path)}' instead (use -Force to replace).");
                    var info = FileItem(saved.Path);
                    info.Properties.Add(new PSNoteProperty("RunId", saved.RunId));
                    info.Properties.Add(new PSNoteProperty("AgentId", agentId));
                    info.Properties.Add(new PSNoteProperty("ContentType", saved.ContentType));
                    // The progress bar is gone before the file is output, so whatever follows in the pipeline does not run under it.
                    ticker.Complete();
                    WriteObject(info);
                }, InputObject, $"Saving the output of agent {agentId}",
                    () => ticker.Update($"Waiting for the runtime ({(DateTimeOffset.UtcNow - started).TotalSeconds:0} s)"),
                    whatIfTarget: $"{operation.WhatIfTarget}, {into}");
            }
            finally { ticker.Complete(); }
        }

        #endregion

        #region Private

        /// <summary>A terminating DestinationNotWritable error, before anything is sent, when -Destination cannot be written.</summary>
        private void RequireWritable()
        {
            if (Destination != null && !Destination.CanWrite)
                Terminate("DestinationNotWritable",
                    $"The destination stream ({Destination.GetType().Name}) cannot be written: it is read-only, closed or disposed (CanWrite is false). Nothing was sent.",
                    ErrorCategory.InvalidArgument, Destination);
        }

        /// <summary>Creates the folder of a -Path ending in a separator; a failure is a terminating FolderNotCreated error before anything is sent.</summary>
        private void CreateFolder()
        {
            try
            {
                Directory.CreateDirectory(_directory);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException || ex is NotSupportedException)
            {
                Terminate("FolderNotCreated", $"The folder '{_directory}' could not be created ({ex.Message}). Nothing was sent.",
                    ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, _directory, ex);
            }
        }

        /// <summary>
        /// A terminating FolderNotWritable error, before anything is sent, when a probe file cannot be created and deleted
        /// in the target folder (no permission, a read-only file system, a full disk): the platform does not keep file
        /// bytes, so a run started into a folder that cannot take its file would lose them.
        /// </summary>
        private void RequireFolderWritable()
        {
            try
            {
                DownloadFolder.Probe(_directory);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException)
            {
                Terminate("FolderNotWritable", $"The folder '{_directory}' cannot be written ({ex.Message}). Nothing was sent.",
                    ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, _directory, ex);
            }
        }

        /// <summary>
        /// The saved file as the FileSystem provider outputs it (Get-Item), so that its default view is complete: on Linux and
        /// macOS the view's UnixMode, User, Group and Size columns need the provider's UnixStat, which a bare FileInfo lacks.
        /// </summary>
        private PSObject FileItem(string path)
        {
            try
            {
                var items = SessionState.InvokeProvider.Item.Get(new[] { path }, force: true, literalPath: true);
                if (items.Count == 1 && items[0].BaseObject is FileInfo) return items[0];
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                WriteDebug($"Get-Item '{path}' failed ({ex.GetType().Name}); outputting a plain FileInfo.");
            }
            return PSObject.AsPSObject(new FileInfo(path));
        }

        private static string Bytes(long n)
        {
            if (n >= 1L << 30) return $"{n / (double)(1L << 30):0.00} GiB";
            if (n >= 1L << 20) return $"{n / (double)(1L << 20):0.0} MiB";
            if (n >= 1L << 10) return $"{n / 1024.0:0.0} KiB";
            return $"{n} B";
        }

        #endregion
    }
}
