import Foundation
import IVRFlow

/// A lookup under way: filled once, from whichever thread got the answer, with the seconds it took.
public final class PendingLookup: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (result: LookupResult, seconds: Double)?

    public init() {}

    /// The result and how long it took, once there is one.
    public var result: (result: LookupResult, seconds: Double)? { lock.withLock { value } }

    public func fulfil(_ result: LookupResult, seconds: Double) {
        lock.withLock { value = (result, seconds) }
    }
}

/// Where a call's lookups of live tables are made (HTTP: `IVRIntegrations.LiveTableLookups`).
public protocol TableLookups: AnyObject, Sendable {
    /// Starts `request`. A call on the audio clock of a file needs the answer before its clock
    /// moves on: there, the lookup may block until it has one (at most its timeout).
    func lookup(_ request: LookupRequest) -> PendingLookup
}
