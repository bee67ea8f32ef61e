using System;
using System.IO;

namespace Cxpa.Engine.Downloads
{
    /// <summary>Checks a download folder before a run is started, so that a save that cannot succeed sends nothing.</summary>
    public static class DownloadFolder
    {
        /// <summary>
        /// Creates and deletes a small probe file (".cxpa-&lt;8 hex&gt;.partial", the temporary name a download uses) in
        /// <paramref name="directory"/>. Throws what the file system says: <see cref="UnauthorizedAccessException"/> for a
        /// folder that may not be written, <see cref="DirectoryNotFoundException"/> for a missing one, <see cref="IOException"/>
        /// for a read-only file system or a full disk.
        /// </summary>
        public static void Probe(string directory)
        {
            if (directory == null) throw new ArgumentNullException(nameof(directory));
            var probe = Path.Combine(Path.GetFullPath(directory), FileNames.TempName());
            try
            {
                // Created and registered in one step: a SIGTERM meanwhile deletes it too.
                using (var fs = TempFiles.Create(probe, null, FileShare.Delete, FileOptions.DeleteOnClose))
                {
                    fs.WriteByte(0);
                }
                if (File.Exists(probe)) File.Delete(probe);
            }
            finally
            {
                TempFiles.Unregister(probe);
            }
        }
    }
}
