import { createHash } from 'node:crypto';
import { readZip, writeZip } from '../../scripts/zip';

describe('writeZip', () => {
  it('round-trips names and bytes through readZip', () => {
    const entries = [
      { name: 'index.js', data: Buffer.from('exports.handler = async () => 1;\n') },
      { name: 'functions/production/handler.js.map', data: Buffer.from('{"version":3}') },
      { name: 'empty.txt', data: Buffer.alloc(0) },
    ];

    const files = readZip(writeZip(entries));

    expect([...files.keys()]).toEqual(entries.map((e) => e.name));
    for (const e of entries) expect(files.get(e.name)?.equals(e.data)).toBe(true);
  });

  it('gives the same bytes for the same input (reproducible artifacts)', () => {
    const entries = [{ name: 'index.js', data: Buffer.from('x'.repeat(1000)) }];

    expect(writeZip(entries).equals(writeZip(entries))).toBe(true);
  });

  it('writes the exact bytes that unzip -t and Python zipfile accepted', () => {
    // readZip reads only the central directory, so it cannot see a wrong local header: these bytes
    // were checked with `unzip -t` and `zipfile.ZipFile(...).testzip()` when this test was written.
    const archive = writeZip([
      { name: 'index.js', data: Buffer.from('exports.handler = async () => 1;\n') },
    ]);

    expect(archive).toHaveLength(149);
    expect(createHash('sha256').update(archive).digest('hex')).toBe(
      '084dea289ecc184c494a16ea2fc9588ef48f07d45bd5e6505f2550b7e9531655',
    );
  });

  it('refuses absolute and backslash names', () => {
    expect(() => writeZip([{ name: '/etc/passwd', data: Buffer.alloc(1) }])).toThrow(/invalid/);
    expect(() => writeZip([{ name: 'a\\b', data: Buffer.alloc(1) }])).toThrow(/invalid/);
  });
});
