internal import CGSL

/// Turns off GSL's default error handler, which aborts the process; status codes are checked
/// by the callers instead. Idempotent and cheap, so every entry point calls it.
enum GSL {
    static func disableAbort() {
        _ = gsl_set_error_handler_off()
    }
}
