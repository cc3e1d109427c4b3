// Writes test/fixtures/rust_fmt_oracle.json: what rustc (1.95, upstream's rust-version) prints for `{:?}` of
// strings and `{:x?}`/`{:#x?}` of range slices and Option<u64>, the oracle for test/rust_fmt.test.ts.
// Run: rustc -O scripts/gen_rust_fmt_oracle.rs -o /tmp/oracle && /tmp/oracle > test/fixtures/rust_fmt_oracle.json
#[derive(Debug, Clone, Copy)]
#[allow(dead_code)]
struct MemoryRange { start: u64, end: u64 }
fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for u in s.encode_utf16() {
        match u { 0x22 => o.push_str("\\\""), 0x5c => o.push_str("\\\\"), 0x20..=0x7e => o.push(u as u8 as char), _ => o.push_str(&format!("\\u{:04x}", u)) }
    }
    o.push('"'); o
}
fn main() {
    let mut seed: u64 = 0x1234_5678_9abc_def0;
    let mut next = || { seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (seed >> 33) as u32 };
    let mut cases: Vec<String> = vec![
        "".into(), "plain-name@1000".into(), "q\"b\\s".into(), "\0\t\n\r\x07\x1b\x7f".into(),
        "a\u{301}".into(), "\u{301}a".into(), "\u{85}\u{a0}\u{ad}\u{200b}\u{2028}\u{feff}".into(),
        "é日本\u{1F600}\u{10FFFF}\u{E0001}\u{E0100}".into(), "'single'".into(), "\u{378}\u{fffe}\u{d7ff}".into(),
    ];
    let pools: [(u32, u32); 6] = [(0, 0x80), (0x80, 0x800), (0x300, 0x370), (0x800, 0x10000), (0x10000, 0x30000), (0xE0000, 0x110000)];
    for _ in 0..400 {
        let len = next() % 6;
        let mut s = String::new();
        for _ in 0..len {
            let (a, b) = pools[(next() % 6) as usize];
            if let Some(c) = char::from_u32(a + next() % (b - a)) { s.push(c); }
        }
        cases.push(s);
    }
    println!("{{\"strs\": [");
    for (i, s) in cases.iter().enumerate() {
        println!("  [{}, {}]{}", json_str(s), json_str(&format!("{:?}", s)), if i + 1 < cases.len() { "," } else { "" });
    }
    println!("], \"lists\": [");
    let lists: Vec<Vec<MemoryRange>> = vec![vec![], vec![MemoryRange { start: 0x1000, end: 0x2000 }],
        vec![MemoryRange { start: 0, end: 0xf000_0000 }, MemoryRange { start: 0x1_0000_0000, end: 0xffff_ffff_ffff_f000 }]];
    for (i, l) in lists.iter().enumerate() {
        let v: Vec<String> = l.iter().map(|r| format!("[\"{:#x}\", \"{:#x}\"]", r.start, r.end)).collect();
        println!("  [[{}], {}, {}]{}", v.join(", "), json_str(&format!("{:x?}", l)), json_str(&format!("{:#x?}", l)), if i + 1 < lists.len() { "," } else { "" });
    }
    println!("], \"options\": [[null, {}], [\"0x0\", {}], [\"0xffffffffffffffff\", {}]]}}",
        json_str(&format!("{:#x?}", None::<u64>)), json_str(&format!("{:#x?}", Some(0u64))), json_str(&format!("{:#x?}", Some(u64::MAX))));
}
