import { describe, expect, test } from '@jest/globals';
import { MAX_BACKOFF_MS, backoffMs, isTransient } from '../src/retry.ts';

describe('isTransient', () => {
  test.each([
    ['Get "https://h/v2/": net/http: TLS handshake timeout', true],
    ['Get "https://h/v2/": dial tcp 10.0.0.1:443: i/o timeout', true],
    ['Get "https://h/v2/": dial tcp 127.0.0.1:5000: connect: connection refused', true],
    ['read tcp 10.0.0.2:443: read: connection reset by peer', true],
    ['dial tcp: lookup h on 127.0.0.53:53: Temporary failure in name resolution', true],
    ['dial tcp: lookup h: server misbehaving', true],
    ['Get "https://h/v2/": EOF', true],
    ['received unexpected HTTP status: 503 Service Unavailable', true],
    // as docker reports a registry's 5xx and 429 (its 503 is also seen in resilience-login.test.ts)
    ['login attempt to http://h/v2/ failed with status: 503 Service Unavailable', true],
    ['login attempt to http://h/v2/ failed with status: 500 Internal Server Error', true],
    ['login attempt to http://h/v2/ failed with status: 429 Too Many Requests', true],
    ['received unexpected HTTP status: 502 Bad Gateway', true],
    ['toomanyrequests: too many requests', true],
    ['timed out after 60 s', true],
    ['Get "https://h/v2/": unauthorized: authentication required', false],
    ['login attempt to https://h/v2/ failed with status: 401 Unauthorized', false],
    ['Get "https://h/v2/": denied: Your authorization token has expired.', false],
    ['error: 400 Bad Request', false],
    ['forbidden: 403 after a timeout', false],
    ['dial tcp: lookup h on 127.0.0.53:53: no such host', false],
    ['something else entirely on port 127.0.0.1:543', false],
  ])('%s → %s', (message, transient) => {
    expect(isTransient(message)).toBe(transient);
  });
});

describe('backoffMs', () => {
  test.each([
    [1, 0, 500],
    [1, 1, 1000],
    [2, 0.5, 1500],
    [3, 1, 4000],
    [4, 1, 8000],
    [9, 1, MAX_BACKOFF_MS],
    [9, 0, MAX_BACKOFF_MS / 2],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(backoffMs(attempt, () => random)).toBe(expected);
  });
});
