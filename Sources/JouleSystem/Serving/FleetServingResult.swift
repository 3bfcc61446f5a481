/// A fleet's steady state: what each pool serves and spends, the fleet's totals, and the
/// saving against the best single pool (see `FleetServing` for the formulas).
public struct FleetServingResult: Sendable {
    /// What one pool serves.
    public struct PoolShare: Sendable {
        /// The pool's name.
        public var name: String
        /// The fraction of the requests routed to it, W_k.
        public var share: Double
        /// Requests per second it serves, λ_k = λ · W_k.
        public var requestsPerSecond: Double
        /// Its steady state (nil when it receives no requests).
        public var result: ServingResult?
        /// The static power it draws when it serves nothing.
        public var idlePower: Double

        /// The pool's power: λ_k · E_k, or its idle power when it serves nothing.
        public var power: Double {
            guard let result else { return idlePower }
            return requestsPerSecond * result.energyPerRequest
        }
    }

    /// The fleet's name.
    public var fleet: String
    /// The workload.
    public var workload: ServingWorkload
    /// Requests per second arriving, λ.
    public var requestsPerSecond: Double
    /// Each pool's route as evaluated (for `route: auto`, the first pool's chosen range).
    public var routes: [FleetPool.Route?]
    /// The first pool's range of prompt lengths that `route: auto` chose (nil for explicit
    /// routes; min above max when it takes no request).
    public var autoRoute: FleetPool.Route?
    /// Each pool's share.
    public var pools: [PoolShare]
    /// Each pool serving every request alone (nil where it cannot hold the model and one
    /// sequence; marked overloaded where it cannot keep up).
    public var singlePools: [ServingResult?] = []
    /// The fleet with every pool serving the whole mix, the arrivals split by capacity (empty
    /// until evaluated).
    public var lengthBlindPools: [PoolShare] = []

    /// The fleet's average power.
    public var averagePower: Double { pools.reduce(0) { $0 + $1.power } }
    /// Joules per request over the fleet.
    public var energyPerRequest: Double { averagePower / requestsPerSecond }
    /// Joules per output token over the fleet.
    public var energyPerOutputToken: Double { energyPerRequest / workload.requestMix.meanOutputTokens }
    /// The single pool that keeps up alone with the least energy per request, and its index.
    public var bestSinglePool: (index: Int, result: ServingResult)? {
        singlePools.enumerated().compactMap { index, result in
            result.flatMap { $0.overloaded ? nil : (index, $0) }
        }
        .min { $0.result.energyPerRequest < $1.result.energyPerRequest }
    }
    /// 1 − the fleet's energy per request / the best single pool's (nil when no pool keeps up
    /// alone).
    public var saving: Double? {
        bestSinglePool.map { 1 - energyPerRequest / $0.result.energyPerRequest }
    }
    /// Requests per second arriving that the pools cannot serve, Σ max(0, λ_k − served_k).
    public var unservedRequestsPerSecond: Double {
        pools.reduce(0) { sum, pool in
            guard let result = pool.result, result.overloaded else { return sum }
            return sum + max(0, pool.requestsPerSecond - result.requestsPerSecond)
        }
    }
    /// Joules per request of the length-blind split (nil before it is evaluated).
    public var lengthBlindEnergyPerRequest: Double? {
        lengthBlindPools.isEmpty ? nil : lengthBlindPools.reduce(0) { $0 + $1.power } / requestsPerSecond
    }
    /// 1 − the fleet's energy per request / the length-blind split's.
    public var savingAgainstLengthBlind: Double? {
        lengthBlindEnergyPerRequest.map { 1 - energyPerRequest / $0 }
    }
    /// Whether some pool cannot keep up with its share.
    public var overloaded: Bool { pools.contains { $0.result?.overloaded == true } }
}
