// A token bucket like Replicate's create limiter: `perMinute` sustained, `burst` at once.

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly perMinute: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Takes a token, or returns how many seconds until one is available. */
  take(): { ok: true } | { ok: false; retryAfterSec: number } {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const perMs = this.perMinute / 60_000;
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - this.tokens) / perMs / 1000)) };
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.perMinute) / 60_000);
    this.updatedAt = now;
  }
}
