import Foundation
import Testing

/// `--fusion` words and `joule traffic` from the command line.
struct FusionCLITests {
    /// A chain that is not producer -> consumer, or a role that does not exist, is a usage
    /// error naming it (exit 64), for eval as for graph.
    @Test(arguments: [
        ("q_proj>attn_context", "q_proj does not feed attn_context"),
        ("attn_score>nonsense>attn_context", "no operator role 'nonsense'"),
        ("flash", "unknown fusion 'flash'"),
    ])
    func aBadFusionIsAUsageErrorNamingIt(_ example: (word: String, message: String)) throws {
        for command in [["eval", "gpt2", "toy-3level"], ["graph", "gpt2"]] {
            let run = try joule(command + ["--sequence", "64", "--fusion", example.word])
            #expect(run.status == 64)
            #expect(run.stderr.contains(example.message), "\(run.stderr)")
        }
    }

    /// `--fusion auto` on a design with no level able to hold a chain explains it in the table
    /// and the JSON; it is not an error, and the numbers equal `--fusion epilogues` (the
    /// epilogues, which always pay, are all auto fuses there).
    @Test func autoOnADesignThatCannotFuseExplainsWhy() throws {
        let auto = try joule("eval", "gpt2", "tpu-v1", "--sequence", "64", "--format", "json")
        #expect(auto.status == 0, "\(auto.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(auto.stdout.utf8)) as? [String: Any])
        let fusion = try #require(object["fusion"] as? [[String: Any]])
        #expect(!fusion.isEmpty)
        for chain in fusion {
            #expect(chain["fused"] as? Bool == false)
            #expect((chain["reason"] as? String)?.contains("no on-chip level that may keep") == true)
        }
        let off = try joule(
            "eval", "gpt2", "tpu-v1", "--sequence", "64", "--fusion", "epilogues", "--format", "json")
        let plain = try #require(try JSONSerialization.jsonObject(with: Data(off.stdout.utf8)) as? [String: Any])
        #expect(plain["energy_j"] as? Double == object["energy_j"] as? Double)
        let table = try joule("eval", "gpt2", "tpu-v1", "--sequence", "64")
        #expect(table.stdout.contains("does not fit: tpu-v1 has no on-chip level"))
    }

    /// `joule traffic`: one row per doubling from --from to --to; fused traffic never rises
    /// as the buffer grows and ends at the compulsory Q, K, V, O traffic of one layer's
    /// attention (gpt2, 12 heads x 256 tokens x 64 x 2 B x 4 = 1.5 MiB at bf16).
    @Test func trafficFallsToTheCompulsoryBytes() throws {
        let run = try joule(
            "traffic", "gpt2", "toy-3level", "--level", "GlobalBuffer", "--sequence", "256", "--precision", "bf16",
            "--from", "4KiB", "--to", "1MiB", "--format", "json")
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(points.count == 9)
        let fused = points.compactMap { $0["fused_dram_bytes"] as? Double }
        #expect(fused.count >= 5)
        #expect(zip(fused, fused.dropFirst()).allSatisfy { $0.1 <= $0.0 })
        let compulsory: Double = 12 * 256 * 64 * 2 * 4
        #expect(fused.last == compulsory)
        let unfused = points.compactMap { $0["unfused_dram_bytes"] as? Double }
        let scoresTwice: Double = 12 * 256 * 256 * 2 * 2
        #expect(unfused.allSatisfy { $0 > scoresTwice })
    }

    @Test func trafficNeedsAnOnChipLevelItKnows() throws {
        let missing = try joule("traffic", "gpt2", "toy-3level")
        #expect(missing.status == 64 && missing.stderr.contains("--level"))
        let unknown = try joule("traffic", "gpt2", "toy-3level", "--level", "Globalbuffr")
        #expect(unknown.status == 64 && unknown.stderr.contains("GlobalBuffer"))
        let dram = try joule("traffic", "gpt2", "toy-3level", "--level", "DRAM")
        #expect(dram.status == 64 && dram.stderr.contains("on-chip"))
        let group = try joule("traffic", "gpt2", "toy-3level", "--level", "GlobalBuffer", "--group", "moe")
        #expect(group.status == 64 && group.stderr.contains("attention or ffn"))
    }

    /// `joule plot traffic` writes an SVG with both curves.
    @Test func plotTrafficDrawsBothCurves() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("traffic-\(UUID().uuidString).svg")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try joule(
            "plot", "traffic", "gpt2", "toy-3level", "--level", "GlobalBuffer", "--sequence", "256", "--from",
            "16KiB", "--to", "256KiB", "--out", out.path)
        #expect(run.status == 0, "\(run.stderr)")
        let svg = try String(contentsOf: out, encoding: .utf8)
        #expect(svg.contains("one operator at a time") && svg.contains("the least DRAM traffic"))
    }
}
