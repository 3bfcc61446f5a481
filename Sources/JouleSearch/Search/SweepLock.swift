import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One process at a time in a sweep folder: `DIR/sweep.lock`, held with `flock` for as long as
/// the process writes there, names the holder (pid and host). A second process is refused with
/// the holder's pid. The kernel drops the hold when its process ends, however it ends, so a
/// lock file left by a killed run is simply taken over (and `takenOver` says from whom).
public final class SweepLock {
    /// The file name in a sweep folder.
    public static let fileName = "sweep.lock"

    /// The holder a lock file named when it was taken over (a run that was killed), else nil.
    public let takenOver: String?
    private let path: String
    private var descriptor: Int32

    /// Takes the lock of `directory`, creating the folder when it does not exist, or throws a
    /// `.busy` error naming the holder.
    public init(directory: String) throws(SweepError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SweepError("cannot create \(directory): \(error.localizedDescription)", kind: .io)
        }
        path = (directory as NSString).appendingPathComponent(Self.fileName)
        // The holder unlinks the file as it lets go: retry when the file locked is no longer the one at `path`.
        for _ in 0..<8 {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw SweepError("cannot open \(path): \(String(cString: strerror(errno)))", kind: .io)
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let holder = Self.contents(fd)
                close(fd)
                throw SweepError(
                    "\(directory) is in use by another joule sweep (\(holder.isEmpty ? "holder unknown" : holder))",
                    hint: "wait for it to finish, or choose another --out", kind: .busy)
            }
            var held = stat()
            var named = stat()
            guard fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino,
                held.st_dev == named.st_dev
            else {
                close(fd)
                continue
            }
            let previous = Self.contents(fd)
            takenOver = previous.isEmpty ? nil : previous
            descriptor = fd
            var host = [CChar](repeating: 0, count: 256)
            let hostName =
                gethostname(&host, host.count - 1) == 0
                ? String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                : "unknown host"
            let text = Array("pid \(getpid()) on \(hostName)\n".utf8)
            guard ftruncate(fd, 0) == 0, pwrite(fd, text, text.count, 0) == text.count else {
                release()
                throw SweepError("cannot write \(path): \(String(cString: strerror(errno)))", kind: .io)
            }
            return
        }
        throw SweepError("cannot take \(path): it keeps being replaced", kind: .busy)
    }

    /// Lets go: removes the lock file, then drops the hold. Also done when the lock is freed.
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    /// The holder a lock file names (its first line), or "" when empty or unreadable.
    private static func contents(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return "" }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        return String(text.split(separator: "\n").first ?? "").trimmingCharacters(in: .whitespaces)
    }
}
