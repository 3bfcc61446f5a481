// EstimateTables.swift
// The defaults Joule uses when a hardware file leaves a number out: per-node scaling,
// 45 nm MAC energy/area, SRAM/register/vector energies, DRAM energy per bit.
//
// Every number carries its source and a DATASHEET tag (docs/estimates.md has the same
// values as readable tables; /work/shared/DATASHEET.md is where the tags come from):
//   P published, primary source named · S published number read via a repo/page reproduction ·
//   D derived by arithmetic from P/S (formula given) · E estimate (judgment) ·
//   R from the named paper, recalled, not re-verified.
//
// Stillmaker & Baas (S&B), "Scaling equations for the accurate prediction of CMOS device
// performance from 180 nm to 7 nm", Integration 58 (2017) 74-81. Coefficients (S) as reproduced
// in `wromaszkan/nodeScale: nodeScale.py` (depCoeffDict, areaDict) and
// `Accelergy-Project/accelergy-library-plug-in: scaling.py` (ENERGY_SCALING, AREA_SCALING);
// the two files agree. Energy per op at node N and supply V: E_N(V) = a·V² + b·V + c.
//
//   node    a        b         c         (energy coefficients, S)
//   65      3.755   -4.398     1.975     (65 nm has a single bulk model, no HP/LP split)
//   HP45    1.018   -0.3107    0.1539    <- reference: E_HP45(1.0 V) = 0.8612
//   HP32    0.8367  -0.4341    0.1701
//   HP20    0.373   -0.1582    0.04104
//   HP16    0.2958  -0.1241    0.03024
//   HP14    0.2363  -0.09675   0.02239
//   HP10    0.2068  -0.09311   0.02375
//   HP7     0.1776  -0.09097   0.02447
//
// Logic energy factor (D) = E_N(Vnom_N) / E_HP45(1.0 V), HP family throughout (the DATASHEET §2
// "S&B HP @Vnom" column). Logic area factor (S) = S&B area table, row 45 nm
// (nodeScale areaDict['45'] = accelergy AREA_SCALING[45 nm]).
// Nodes S&B does not model (40, 28, 22, 12 nm) are linear interpolations in nanometres between
// the neighbouring S&B nodes (the rule accelergy's scaling.py uses), applied to the factor and
// to the voltage; 5 nm is extrapolated from 7 nm with TSMC's N5-vs-N7 claims (DATASHEET §2).
// All of these are tagged D.

/// The scaling of one process node relative to 45 nm.
public struct NodeScaling: Sendable, Hashable {
    public let nanometers: Int
    /// Nominal supply voltage assumed for the node (V).
    public let nominalVoltage: Double
    /// Logic (MAC, vector ALU, register) dynamic energy factor vs 45 nm.
    public let logicEnergy: Double
    /// SRAM dynamic energy factor vs 45 nm.
    public let sramEnergy: Double
    /// Logic area factor vs 45 nm.
    public let logicArea: Double
    /// SRAM bit-cell area in µm²: the raw high-density 6T bit cell, WITHOUT macro overhead.
    /// Macro area = bits × sramBitCellArea × (1 + EstimateTables.sramMacroOverhead).
    public let sramBitCellArea: Double
    /// Where these numbers come from, with the DATASHEET tag.
    public let source: String
}

/// Energy (pJ) and area (µm²) of one multiply-accumulate at 45 nm.
public struct MACEstimate: Sendable, Equatable {
    public let energy: Double  // pJ
    public let area: Double  // µm²
    public let source: String
}

/// DRAM energy per bit by technology.
public struct DRAMEstimate: Sendable, Equatable {
    // "DDR3", "DDR4", "LPDDR4", "LPDDR4X", "LPDDR5", "GDDR5", "GDDR6", "GDDR6X", "HBM2", "HBM2e", "HBM3", "HBM3e"
    public let name: String
    public let energyPerBit: Double  // pJ/bit
    public let source: String
}

/// The estimate tables: every default Joule uses when a hardware file leaves a number out.
public enum EstimateTables {

    // MARK: - Process nodes

    /// Supported nodes, ascending by nanometers, 45 nm has all factors 1.
    ///
    /// Columns: logicEnergy (D, S&B HP at Vnom ÷ HP45 at 1.0 V), sramEnergy (E, the DATASHEET §2
    /// rule: = logic factor down to 20 nm, then logic(20 nm) × (node / 20 nm)^0.5, the square-root
    /// rule `Accelergy-Project/hwcomponents-cacti` applies below CACTI's smallest node, citing
    /// IRDS 2022 / WikiChip IEDM 2022), logicArea (S&B area table, S; D where interpolated),
    /// sramBitCellArea (published high-density 6T cells, S; D where derived).
    /// Nominal voltages are PTM-style (E): 65 nm 1.1, 45 nm 1.0, 32 nm 0.9, 20 nm 0.9,
    /// 16 nm 0.85, 14 nm 0.8, 10 nm 0.75, 7 nm 0.7 V (DATASHEET §2 gives 45/32/20/16/7;
    /// 65/14/10 are the PTM nominal values, R).
    public static let nodes: [NodeScaling] = [
        NodeScaling(
            nanometers: 5,
            nominalVoltage: 0.70,  // E: kept at the 7 nm value (TSMC's -30 % is an iso-speed power claim)
            logicEnergy: 0.0389,  // D: 7 nm 0.0555 × 0.70 (TSMC N5 vs N7: ~30 % less power at same speed, P tsmc.com)
            sramEnergy: 0.117,  // E: 0.2332 × (5/20)^0.5 = 0.1166
            logicArea: 0.0321,  // D: 7 nm 0.059 ÷ 1.84 (N5 logic density vs N7, S WikiChip via dvhardware.net)
            // S: TSMC N5 HD cell (WikiChip "TSMC details 5 nm"; same cell quoted in WikiChip IEDM 2022)
            sramBitCellArea: 0.021,
            source:
                "5 nm: logic energy D (S&B 7 nm x 0.70, TSMC N5 vs N7 -30% power, P), logic area D (7 nm / 1.84, S), SRAM energy E (sqrt rule), bit cell 0.021 um2 S (TSMC N5, WikiChip), Vnom 0.70 V E"
        ),
        NodeScaling(
            nanometers: 7,
            nominalVoltage: 0.70,  // E: PTM 7 nm nominal (DATASHEET §2)
            logicEnergy: 0.0555,  // D: E_HP7(0.70) = 0.04781 ÷ 0.8612
            sramEnergy: 0.138,  // E: 0.2332 × (7/20)^0.5 = 0.1379
            logicArea: 0.059,  // S: S&B area, 45 -> 7 nm
            sramBitCellArea: 0.027,  // S: TSMC N7 HD cell (DATASHEET §3)
            source:
                "7 nm: S&B HP7 @0.70 V / HP45 @1.0 V (D); area S&B (S); SRAM energy E (sqrt rule from 20 nm); bit cell 0.027 um2 S (TSMC N7); Vnom E (PTM)"
        ),
        NodeScaling(
            nanometers: 10,
            nominalVoltage: 0.75,  // E: PTM 10 nm nominal (R)
            logicEnergy: 0.0816,  // D: E_HP10(0.75) = 0.07025 ÷ 0.8612
            sramEnergy: 0.165,  // E: 0.2332 × (10/20)^0.5 = 0.1649
            logicArea: 0.10,  // S: S&B area, 45 -> 10 nm
            sramBitCellArea: 0.042,  // S: TSMC N10 HD cell (DATASHEET §3)
            source:
                "10 nm: S&B HP10 @0.75 V / HP45 @1.0 V (D); area S&B (S); SRAM energy E (sqrt rule from 20 nm); bit cell 0.042 um2 S (TSMC N10); Vnom E (PTM)"
        ),
        NodeScaling(
            nanometers: 12,
            nominalVoltage: 0.775,  // D: linear interpolation 14 nm 0.80 <-> 10 nm 0.75
            logicEnergy: 0.0967,  // D: linear interpolation in nm, 14 nm 0.1117 <-> 10 nm 0.0816 (midpoint)
            sramEnergy: 0.181,  // E: 0.2332 × (12/20)^0.5 = 0.1806
            logicArea: 0.135,  // D: linear interpolation, 14 nm 0.17 <-> 10 nm 0.10 (midpoint)
            sramBitCellArea: 0.053,  // D: linear interpolation, 14 nm 0.064 <-> 10 nm 0.042 (midpoint)
            // Caveat: commercial "12 nm" (TSMC 12FFC, GF 12LP) is an optimised 16/14 nm process, so the
            // real factors likely sit closer to the 14/16 nm rows than this interpolation.
            source:
                "12 nm: not in S&B; all factors D by linear interpolation in nm between 14 and 10 nm (midpoint); SRAM energy E (sqrt rule); commercial 12 nm is a 16/14 nm derivative, so these are optimistic"
        ),
        NodeScaling(
            nanometers: 14,
            nominalVoltage: 0.80,  // E: PTM 14 nm nominal (R)
            logicEnergy: 0.112,  // D: E_HP14(0.80) = 0.09622 ÷ 0.8612
            sramEnergy: 0.195,  // E: 0.2332 × (14/20)^0.5 = 0.1951
            logicArea: 0.17,  // S: S&B area, 45 -> 14 nm
            sramBitCellArea: 0.064,  // S: 14 nm HD cell (DATASHEET §3)
            source:
                "14 nm: S&B HP14 @0.80 V / HP45 @1.0 V (D); area S&B (S); SRAM energy E (sqrt rule from 20 nm); bit cell 0.064 um2 S; Vnom E (PTM)"
        ),
        NodeScaling(
            nanometers: 16,
            nominalVoltage: 0.85,  // E: PTM 16 nm nominal (DATASHEET §2)
            logicEnergy: 0.161,  // D: E_HP16(0.85) = 0.1385 ÷ 0.8612
            sramEnergy: 0.209,  // E: 0.2332 × (16/20)^0.5 = 0.2085
            logicArea: 0.19,  // S: S&B area, 45 -> 16 nm
            sramBitCellArea: 0.074,  // S: TSMC 16FF HD cell (DATASHEET §3)
            source:
                "16 nm: S&B HP16 @0.85 V / HP45 @1.0 V (D); area S&B (S); SRAM energy E (sqrt rule from 20 nm); bit cell 0.074 um2 S (TSMC 16FF); Vnom E (PTM)"
        ),
        NodeScaling(
            nanometers: 20,
            nominalVoltage: 0.90,  // E: PTM 20 nm nominal (DATASHEET §2)
            logicEnergy: 0.233,  // D: E_HP20(0.90) = 0.2008 ÷ 0.8612
            sramEnergy: 0.233,  // E: = logic factor at >= 20 nm
            logicArea: 0.21,  // S: S&B area, 45 -> 20 nm
            sramBitCellArea: 0.081,  // S: TSMC 20SoC 112 Mbit SRAM, ISSCC 2013 (Nikkei Electronics report)
            source:
                "20 nm: S&B HP20 @0.90 V / HP45 @1.0 V (D); area S&B (S); SRAM energy = logic (E); bit cell 0.081 um2 S (TSMC 20 nm, ISSCC 2013); Vnom E (PTM)"
        ),
        NodeScaling(
            nanometers: 22,
            nominalVoltage: 0.90,  // D: 32 nm and 20 nm are both 0.9 V
            logicEnergy: 0.283,  // D: linear interpolation in nm, 32 nm 0.5308 <-> 20 nm 0.2332 (t = 10/12)
            sramEnergy: 0.283,  // E: = logic factor at >= 20 nm
            logicArea: 0.252,  // D: linear interpolation, 32 nm 0.46 <-> 20 nm 0.21 (t = 10/12)
            sramBitCellArea: 0.092,  // S: Intel 22 nm HD cell (Intel IDF 2009 via techreport.com; DATASHEET §3)
            source:
                "22 nm: not in S&B; energy and area D by linear interpolation in nm between 32 and 20 nm; SRAM energy = logic (E); bit cell 0.092 um2 S (Intel 22 nm)"
        ),
        NodeScaling(
            nanometers: 28,
            nominalVoltage: 0.90,  // D: 32 nm and 20 nm are both 0.9 V
            // D: linear interpolation in nm, 32 nm 0.5308 <-> 20 nm 0.2332 (t = 4/12); DATASHEET §2 0.43
            logicEnergy: 0.432,
            // E: = logic factor at >= 20 nm (DATASHEET §2 table lists 0.45; its stated rule gives 0.43)
            sramEnergy: 0.432,
            logicArea: 0.377,  // D: linear interpolation, 32 nm 0.46 <-> 20 nm 0.21 (t = 4/12); DATASHEET §2 0.38
            sramBitCellArea: 0.135,  // D: TSMC 20 nm 0.081 ÷ 0.60 (TSMC ISSCC 2013: 28 -> 20 nm cell shrinks to ~60 %)
            source:
                "28 nm: not in S&B; energy and area D by linear interpolation in nm between 32 and 20 nm; SRAM energy = logic (E); bit cell 0.135 um2 D (0.081 / 0.60, TSMC ISSCC 2013)"
        ),
        NodeScaling(
            nanometers: 32,
            nominalVoltage: 0.90,  // E: PTM 32 nm nominal (DATASHEET §2)
            logicEnergy: 0.531,  // D: E_HP32(0.90) = 0.4571 ÷ 0.8612
            sramEnergy: 0.531,  // E: = logic factor at >= 20 nm
            logicArea: 0.46,  // S: S&B area, 45 -> 32 nm
            sramBitCellArea: 0.171,  // S: Intel 32 nm 291 Mbit test chip, IEDM 2008 (Tom's Hardware report)
            source:
                "32 nm: S&B HP32 @0.90 V / HP45 @1.0 V (D); area S&B (S); SRAM energy = logic (E); bit cell 0.171 um2 S (Intel 32 nm); Vnom E (PTM)"
        ),
        NodeScaling(
            nanometers: 40,
            nominalVoltage: 0.96,  // D: linear interpolation 45 nm 1.0 <-> 32 nm 0.9 (t = 5/13), rounded
            logicEnergy: 0.820,  // D: linear interpolation in nm, 45 nm 1.0 <-> 32 nm 0.5308 (t = 5/13)
            sramEnergy: 0.820,  // E: = logic factor at >= 20 nm
            logicArea: 0.792,  // D: linear interpolation, 45 nm 1.0 <-> 32 nm 0.46 (t = 5/13)
            sramBitCellArea: 0.242,  // S: TSMC 40 nm cell (WikiChip "40 nm lithography process")
            source:
                "40 nm: not in S&B; energy and area D by linear interpolation in nm between 45 and 32 nm; SRAM energy = logic (E); bit cell 0.242 um2 S (TSMC 40 nm, WikiChip)"
        ),
        NodeScaling(
            nanometers: 45,
            nominalVoltage: 1.0,  // E: PTM 45 nm nominal; Horowitz's 45 nm numbers are at ~0.9 V (DATASHEET §1)
            logicEnergy: 1.0,  // reference
            sramEnergy: 1.0,  // reference
            logicArea: 1.0,  // reference
            sramBitCellArea: 0.346,  // S: Intel 45 nm cell (tecoz.blogspot report of Intel 45 nm)
            source:
                "45 nm: reference node (Horowitz ISSCC 2014 energies, S); bit cell 0.346 um2 S (Intel 45 nm); Vnom 1.0 V E"
        ),
        NodeScaling(
            nanometers: 65,
            nominalVoltage: 1.1,  // E: PTM 65 nm nominal (R); Eyeriss ran its 65 nm chip at 1.0 V
            logicEnergy: 1.95,  // D: E_65(1.1) = 1.6808 ÷ 0.8612 (at 1.0 V it would be 1.55)
            sramEnergy: 1.95,  // E: = logic factor at >= 20 nm
            logicArea: 1.5,  // S: S&B area, 45 -> 65 nm
            sramBitCellArea: 0.57,  // S: Intel 65 nm 70 Mbit SRAM cell (Intel release via koreaittimes.com)
            source:
                "65 nm: S&B 65 nm @1.1 V / HP45 @1.0 V (D); area S&B (S); SRAM energy = logic (E); bit cell 0.57 um2 S (Intel 65 nm); Vnom 1.1 V E (PTM)"
        ),
    ]

    /// Look up a node by nanometers (nil if unsupported).
    public static func node(nanometers: Int) -> NodeScaling? {
        nodes.first { $0.nanometers == nanometers }
    }

    // MARK: - MACs at 45 nm

    // Horowitz ISSCC 2014, 45 nm (DATASHEET §1): energy S, area R.
    //   int8 mult 0.2 pJ / 282 µm², int32 mult 3.1 pJ / 3495 µm², int32 add 0.1 pJ / 137 µm²,
    //   fp16 mult 1.1 pJ / 1640 µm², fp32 mult 3.7 pJ / 7700 µm², fp32 add 0.9 pJ / 4184 µm².
    // A MAC = one multiplier + one accumulate adder at the accumulator width
    // (integer formats accumulate in int32, floating-point formats in fp32).
    // Second source for scale (S, Aladdin 40/45 nm in accelergy-library-plug-in library/aladdin):
    //   32b mult 12.68 pJ / 6350 µm², 32b add 0.21 pJ / 278 µm², i.e. about 4x Horowitz's energy.

    /// MAC energy/area at 45 nm keyed by precision name: "int4", "int8", "int16", "fp8", "fp16", "bf16", "fp32".
    public static let mac45nm: [String: MACEstimate] = [
        // E: int4 from int8 by multiplier energy/area ∝ width² (Horowitz: int8 -> int32 mult
        // energy grows 15.5x for 4x width, exponent 1.98), so int4 mult = 0.2 × 1/4 = 0.05 pJ,
        // 282 × 1/4 = 70.5 µm²; accumulator unchanged (int32 add, 0.1 pJ / 137 µm²).
        "int4": MACEstimate(
            energy: 0.15,  // 0.05 + 0.1
            area: 207.5,  // 70.5 + 137
            source: "E: int8 multiplier scaled by width^2 (x1/4) + int32 accumulate, Horowitz 45 nm"),
        // D: int8 mult 0.2 + int32 add 0.1 (energy S); area 282 + 137 (R).
        "int8": MACEstimate(
            energy: 0.3,
            area: 419,
            source: "D: Horowitz 45 nm int8 mult + int32 add (energy S, area R)"),
        // E: int16 mult not in Horowitz: geometric mean of int8 and int32 mult,
        // energy sqrt(0.2 × 3.1) = 0.79 ≈ 0.8 (DATASHEET §1), area sqrt(282 × 3495) = 993 µm²;
        // the width² rule from int8 gives 0.8 pJ / 1128 µm², consistent. + int32 add 0.1 pJ / 137 µm².
        "int16": MACEstimate(
            energy: 0.9,  // 0.8 + 0.1
            area: 1130,  // 993 + 137
            source: "E: int16 mult = geo-mean of Horowitz int8/int32 mult + int32 accumulate"),
        // D: int32 mult 3.1 + int32 add 0.1 = 3.2 pJ (energy S); area 3495 + 137 µm² (R), Horowitz 45 nm.
        "int32": MACEstimate(
            energy: 3.2,
            area: 3632,
            source: "D: Horowitz 45 nm int32 mult + int32 add (energy S, area R)"),
        // E: fp8 from fp16 by multiplier energy/area ∝ width² (×1/4): 1.1 × 1/4 = 0.275 pJ,
        // 1640 × 1/4 = 410 µm²; accumulate in fp32 (as H100 FP8 tensor cores do) 0.9 pJ / 4184 µm².
        // The fp32 adder dominates, so fp8 is only ~1.7x cheaper than fp16 per scalar MAC.
        "fp8": MACEstimate(
            energy: 1.175,  // 0.275 + 0.9
            area: 4594,  // 410 + 4184
            source: "E: fp16 multiplier scaled by width^2 (x1/4) + fp32 accumulate, Horowitz 45 nm"),
        // D: fp16 mult 1.1 + fp32 add 0.9 = 2.0 pJ (DATASHEET §1); area 1640 + 4184 (R).
        "fp16": MACEstimate(
            energy: 2.0,
            area: 5824,
            source: "D: Horowitz 45 nm fp16 mult + fp32 add (energy S, area R)"),
        // E: bf16 assumed equal to fp16 (DATASHEET §1). bf16's 8-bit significand (vs 11) makes
        // its multiplier smaller, so this is probably an overestimate.
        "bf16": MACEstimate(
            energy: 2.0,
            area: 5824,
            source: "E: assumed equal to fp16 (fp16 mult + fp32 add, Horowitz 45 nm)"),
        // D: fp32 mult 3.7 + fp32 add 0.9 = 4.6 pJ (DATASHEET §1); area 7700 + 4184 (R).
        "fp32": MACEstimate(
            energy: 4.6,
            area: 11884,
            source: "D: Horowitz 45 nm fp32 mult + fp32 add (energy S, area R)"),
    ]

    // MARK: - SRAM

    /// SRAM read energy per 64-bit access at 45 nm for a capacity in bytes: 10 pJ * (C / 8 KB)^0.5 (DATASHEET §3), with its source string.
    public static func sramReadEnergyPer64Bit45nm(capacityBytes: Double) -> Double {
        // 8 KB = 8192 bytes -> 10 pJ; 32 KB -> 20 pJ; 1 MB -> 113 pJ (Horowitz: 10 / 20 / 100).
        sramReferenceEnergy * (max(capacityBytes, 0) / sramReferenceBytes).squareRoot()
    }

    /// Horowitz 45 nm, 8 KB SRAM, 64-bit read (S, DATASHEET §1).
    private static let sramReferenceEnergy = 10.0  // pJ
    private static let sramReferenceBytes = 8192.0  // 8 KB

    public static let sramSource =
        "E: 10 pJ x (C / 8 KB)^0.5 per 64-bit read at 45 nm, fitted to Horowitz ISSCC 2014 8 KB / 32 KB / 1 MB = 10 / 20 / 100 pJ (S; exponent 0.47-0.50, D); scale by the node's sramEnergy"

    /// SRAM write energy relative to read (state the source or mark E).
    /// E: 1.0. CACTI-style models and Accelergy's example SRAM charge write ≈ read
    /// (one CACTI-derived buffer config seen: 12.24 vs 12.07 pJ); no better public ratio found.
    public static let sramWriteToReadRatio = 1.0

    /// SRAM macro area overhead over bit-cell area (fraction, e.g. 0.4), E.
    /// E: 0.4, middle of DATASHEET §3's +30–50 % (decoders, sense amps, I/O, assist circuits).
    /// Small or wide macros can run 2x the bit-cell area or more.
    public static let sramMacroOverhead = 0.4

    // MARK: - Registers and vector unit

    /// Register (flip-flop) area per bit at 45 nm (µm²).
    /// S: Aladdin 40/45 nm library, flip-flop register 5.98 µm²/bit
    /// (`Accelergy-Project/accelergy-library-plug-in: library/aladdin`, DATASHEET §1); scale by logicArea.
    public static let registerAreaPerBit45nm = 5.98

    /// Register-file energy per bit at 45 nm (pJ/bit), from "~1 pJ per 32-bit access".
    /// S: Horowitz 45 nm register file ~1 pJ per 32-bit access -> 1/32 = 0.03125 pJ/bit.
    /// (Aladdin's flip-flop register reads 0.009 pJ/bit, S, so this is the upper, RF-like value.)
    public static let registerEnergyPerBit45nm = 1.0 / 32.0

    public static let registerSource =
        "S: Horowitz ISSCC 2014 45 nm register file ~1 pJ per 32-bit access = 0.03125 pJ/bit (Aladdin flip-flop register: 0.009 pJ/bit, S); scale by the node's logicEnergy"

    /// Vector-unit energy per elementwise op at 45 nm (pJ): an fp16 add+mult (fp16 FMA-ish), state the rule.
    /// D: every elementwise op is charged one fp16 multiply (1.1 pJ) plus one fp16 add (0.4 pJ),
    /// Horowitz 45 nm = 1.5 pJ, whatever the op; operand register traffic is charged separately.
    public static let vectorOpEnergy45nm = 1.5

    public static let vectorOpSource =
        "D: one fp16 mult (1.1 pJ) + one fp16 add (0.4 pJ), Horowitz ISSCC 2014 45 nm (S), charged per elementwise op of any kind; scale by the node's logicEnergy"

    // MARK: - Voltage and frequency

    /// Alpha-power-law exponent α in f ∝ (V - V_th)^α / V for synthesised DVFS points.
    /// R: Sakurai & Newton, JSSC 1990 (velocity-saturated short-channel devices, α ≈ 1.3);
    /// the value is an estimate for modern nodes (DATASHEET §7, parameters E).
    public static let alphaPowerExponent = 1.3

    /// Threshold voltage V_th (V) for synthesised DVFS points. E: DATASHEET §7 (≈ 0.3 V).
    public static let thresholdVoltage = 0.3

    // MARK: - DRAM

    /// DRAM technologies.
    /// Note: the values are not all on one basis. DDR3's 70 pJ/bit (hwcomponents-cacti, citing
    /// Chatterjee et al.) includes background/termination energy; the DDR4 and later estimates
    /// are closer to access-plus-I/O energy.
    public static let dram: [DRAMEstimate] = [
        DRAMEstimate(
            name: "DDR3", energyPerBit: 70,
            source: "S: Accelergy-Project/hwcomponents-cacti DRAM type2energy (cites Chatterjee et al., MICRO'17)"),
        DRAMEstimate(
            name: "DDR4", energyPerBit: 17.5,
            source: "E: midpoint of DATASHEET 15-20 pJ/bit"),
        DRAMEstimate(
            name: "LPDDR4", energyPerBit: 8,
            source: "S: Accelergy-Project/hwcomponents-cacti (\"public data\"); DramDSE simulation gives 13-14"),
        DRAMEstimate(
            name: "LPDDR4X", energyPerBit: 6.5,
            source: "E: DATASHEET ~6.5 pJ/bit (lower I/O voltage than LPDDR4)"),
        DRAMEstimate(
            name: "LPDDR5", energyPerBit: 5,
            source: "E: DATASHEET ~5 pJ/bit (LPDDR5 claimed >=20% more efficient than LPDDR4X)"),
        DRAMEstimate(
            name: "GDDR5", energyPerBit: 14,
            source: "P: O'Connor et al., FGDRAM, MICRO'17 (also S in hwcomponents-cacti)"),
        DRAMEstimate(
            name: "GDDR6", energyPerBit: 7.5,
            source: "S: code file citing Micron's GDDR6X page"),
        DRAMEstimate(
            name: "GDDR6X", energyPerBit: 7.25,
            source: "S: code file citing Micron's GDDR6X page"),
        DRAMEstimate(
            name: "HBM2", energyPerBit: 3.97,
            source:
                "P: O'Connor et al., FGDRAM, MICRO'17: 1.21 activate + 2.54 on-die movement + 0.22 I/O (hwcomponents-cacti: 3.9, S)"
        ),
        DRAMEstimate(
            name: "HBM2e", energyPerBit: 3.75,
            source: "E: midpoint of DATASHEET 3.5-4 pJ/bit"),
        DRAMEstimate(
            name: "HBM3", energyPerBit: 3.25,
            source: "E: midpoint of DATASHEET 3-3.5 pJ/bit"),
        DRAMEstimate(
            name: "HBM3e", energyPerBit: 2.5,
            source: "E: midpoint of DATASHEET 2-3 pJ/bit (Micron claims 2.5x perf/W over its HBM2E, S)"),
    ]

    /// Look up a DRAM technology by name, case-insensitive.
    public static func dram(named: String) -> DRAMEstimate? {
        let key = named.lowercased()
        return dram.first { $0.name.lowercased() == key }
    }
}
