import { describe, expect, it } from 'vitest';
import { handle } from './console.js';

describe('ops-console handle', () => {
  it('serves the console shell with its script and the settings the script reads', () => {
    const html = handle({ notifierUrl: 'wss://ws.example.com', notifierPort: 8081, tileUrl: null });
    expect(html).toContain('<script src="/web/console.js"></script>');
    expect(html).toContain('{"notifierUrl":"wss://ws.example.com","notifierPort":8081,"tileUrl":null}');
  });

  it('cannot be made to close its settings script by a setting', () => {
    const html = handle({ notifierUrl: 'wss://x</script><script>alert(1)</script>', notifierPort: 8081, tileUrl: null });
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).toContain('\\u003c/script>');
  });
});
