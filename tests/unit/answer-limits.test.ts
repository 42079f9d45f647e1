import {
  ANSWER_FIELD_LIMITS,
  answerProblems,
  deliveryProblems,
  encryptedCredentialLength,
  fitResultMsg,
  MAX_ENCRYPTED_CREDENTIAL_BYTES,
  sentLength,
  shorten,
} from '../../lib/answer-limits';
import { encryptCredential } from '../../lib/protocol/credential-cipher';

const KEY = 'answer-limits-test-key';
const ENCRYPTED = { credentialsPlaintext: false };
const PLAINTEXT = { credentialsPlaintext: true };

describe('ANSWER_FIELD_LIMITS (#9)', () => {
  it('holds every documented limit, usageInfo fields included', () => {
    expect(ANSWER_FIELD_LIMITS).toEqual({
      resultCode: 6,
      resultMsg: 255,
      instanceId: 64,
      'appInfo.frontEndUrl': 512,
      'appInfo.adminUrl': 512,
      'appInfo.userName': 128,
      'appInfo.password': 128,
      'appInfo.memo': 1024,
      'usageInfo.relatedInstanceId': 64,
      'usageInfo.usageValue': 20,
      'usageInfo.statisticalTime': 20,
      'usageInfo.dashboardUrl': 512,
    });
  });
});

describe('encrypted credential length (#9)', () => {
  it.each(['1', '2'] as const)(
    'matches the real encryption for 0 to 100 bytes with encryptType %s',
    (type) => {
      for (let n = 0; n <= 100; n++) {
        expect([n, encryptCredential('a'.repeat(n), KEY, type).length]).toEqual([
          n,
          encryptedCredentialLength(n),
        ]);
      }
    },
  );

  it('lets 79 UTF-8 bytes fit in 128 characters, and not 80, for both encrypt types', () => {
    expect(MAX_ENCRYPTED_CREDENTIAL_BYTES).toBe(79);
    for (const type of ['1', '2'] as const) {
      expect(encryptCredential('p'.repeat(79), KEY, type).length).toBe(124);
      expect(encryptCredential('p'.repeat(80), KEY, type).length).toBe(144);
    }
  });

  it('counts bytes, not characters: 40 two-byte characters do not fit', () => {
    const password = 'é'.repeat(40);

    const problems = deliveryProblems({ frontEndUrl: 'https://x', password }, ENCRYPTED);

    expect(encryptCredential(password, KEY).length).toBeGreaterThan(128);
    expect(problems.map((p) => p.field)).toEqual(['appInfo.password']);
    expect(problems[0]?.problem).toContain('80 UTF-8 bytes');
  });
});

describe('shorten and fitResultMsg (#9)', () => {
  it('leaves a message of 255 characters alone', () => {
    expect(fitResultMsg('m'.repeat(255))).toBe('m'.repeat(255));
  });

  it('cuts a longer one to 255 characters ending in ...', () => {
    const fitted = fitResultMsg('m'.repeat(400));

    expect(fitted).toHaveLength(255);
    expect(fitted.endsWith('m...')).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    // 251 ASCII characters, then emoji: the cut at 252 would fall between the two halves.
    const message = `${'a'.repeat(251)}${'😀'.repeat(10)}`;

    const fitted = fitResultMsg(message);

    expect(fitted.length).toBeLessThanOrEqual(255);
    expect(fitted).toBe(`${'a'.repeat(251)}...`);
    expect(/\p{Surrogate}/u.test(fitted)).toBe(false);
  });

  it('keeps whole pairs before the cut', () => {
    const fitted = shorten('😀'.repeat(10), 9);

    expect(fitted).toBe('😀😀😀...');
    expect(/\p{Surrogate}/u.test(fitted)).toBe(false);
  });

  it('cuts to at most max even when max is shorter than the marker', () => {
    expect(shorten('abcdef', 2)).toBe('..');
  });
});

describe('deliveryProblems (#9)', () => {
  const ok = {
    frontEndUrl: `https://${'f'.repeat(504)}`,
    adminUrl: `https://${'a'.repeat(504)}`,
    userName: 'u'.repeat(79),
    password: 'p'.repeat(79),
    memo: 'm'.repeat(1024),
  };

  it('accepts delivery info at every limit', () => {
    expect(ok.frontEndUrl).toHaveLength(512);
    expect(deliveryProblems(ok, ENCRYPTED)).toEqual([]);
  });

  it('names each field over its limit, with the limit', () => {
    const problems = deliveryProblems(
      {
        frontEndUrl: `${ok.frontEndUrl}/`,
        adminUrl: `${ok.adminUrl}/`,
        userName: `${ok.userName}u`,
        password: `${ok.password}p`,
        memo: `${ok.memo}m`,
      },
      ENCRYPTED,
    );

    expect(problems.map((p) => [p.field, p.limit])).toEqual([
      ['appInfo.frontEndUrl', 512],
      ['appInfo.adminUrl', 512],
      ['appInfo.memo', 1024],
      ['appInfo.userName', 128],
      ['appInfo.password', 128],
    ]);
    expect(problems[0]?.problem).toBe(
      'appInfo.frontEndUrl is 513 characters; KooGallery accepts at most 512: return a shorter value from the provisioner',
    );
    expect(problems[4]?.problem).toContain('144 characters once encrypted');
    expect(problems[4]?.problem).toContain('at most 79 bytes');
  });

  it('allows 128 characters in plain-text mode, and not 129', () => {
    const at = deliveryProblems({ frontEndUrl: 'https://x', password: 'p'.repeat(128) }, PLAINTEXT);
    const over = deliveryProblems(
      { frontEndUrl: 'https://x', userName: 'u'.repeat(129) },
      PLAINTEXT,
    );

    expect(at).toEqual([]);
    expect(over.map((p) => p.field)).toEqual(['appInfo.userName']);
  });

  it('counts a memo as sent: each non-ASCII character as its 6-character escape', () => {
    const fits = deliveryProblems({ frontEndUrl: 'https://x', memo: '说'.repeat(170) }, ENCRYPTED);
    const over = deliveryProblems({ frontEndUrl: 'https://x', memo: '说'.repeat(171) }, ENCRYPTED);

    expect(sentLength('a说😀')).toBe(1 + 6 + 12);
    expect(fits).toEqual([]);
    expect(over.map((p) => p.problem)).toEqual([
      'appInfo.memo is 1026 characters; KooGallery accepts at most 1024: return a shorter value from the provisioner',
    ]);
    expect(answerProblems({ appInfo: { memo: '说'.repeat(171) } })[0]?.field).toBe('appInfo.memo');
  });

  it('requires a frontEndUrl', () => {
    expect(deliveryProblems({ frontEndUrl: '' }, ENCRYPTED).map((p) => p.field)).toEqual([
      'appInfo.frontEndUrl',
    ]);
    expect(deliveryProblems({}, ENCRYPTED)[0]?.problem).toContain('is missing');
  });
});

describe('answerProblems (#9)', () => {
  it('finds nothing in an answer that fits', () => {
    expect(
      answerProblems({
        resultCode: '000000',
        resultMsg: 'success',
        instanceId: 'i'.repeat(64),
        appInfo: { frontEndUrl: 'https://x', password: 'y'.repeat(128) },
        info: [{ instanceId: 'j', usageInfo: [{ usageValue: 1234.5678, statisticalTime: 'x' }] }],
      }),
    ).toEqual([]);
  });

  it('names every field over its limit by its path in the answer', () => {
    const problems = answerProblems({
      resultMsg: 'r'.repeat(256),
      instanceId: 'i'.repeat(65),
      appInfo: { password: 'p'.repeat(144), memo: 'm'.repeat(1025) },
      info: [
        { instanceId: 'ok', appInfo: { frontEndUrl: 'f'.repeat(513), userName: 'u'.repeat(129) } },
        {
          instanceId: 'i'.repeat(65),
          usageInfo: [
            {
              relatedInstanceId: 'r'.repeat(65),
              usageValue: -0.000001234567890123,
              statisticalTime: '2'.repeat(21),
              dashboardUrl: 'd'.repeat(513),
            },
          ],
        },
      ],
    });

    expect(problems.map((p) => [p.field, p.limit])).toEqual([
      ['resultMsg', 255],
      ['instanceId', 64],
      ['appInfo.password', 128],
      ['appInfo.memo', 1024],
      ['info[0].appInfo.frontEndUrl', 512],
      ['info[0].appInfo.userName', 128],
      ['info[1].instanceId', 64],
      ['info[1].usageInfo[0].relatedInstanceId', 64],
      ['info[1].usageInfo[0].usageValue', 20],
      ['info[1].usageInfo[0].statisticalTime', 20],
      ['info[1].usageInfo[0].dashboardUrl', 512],
    ]);
    // The problem names the field and its limit, never the value.
    expect(problems[2]?.problem).toBe(
      'appInfo.password is 144 characters; KooGallery accepts at most 128: the answer was not sent',
    );
  });

  it('ignores fields with no documented limit', () => {
    expect(answerProblems({ license: 'L'.repeat(5000), encryptType: '1' })).toEqual([]);
  });
});
