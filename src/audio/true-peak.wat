;; The true peak's interpolation (true-peak.ts): for each window of 32 samples, the largest |value|
;; of every polyphase branch, in double precision, two lanes at a time (WebAssembly SIMD). Each
;; branch keeps JavaScript's four running sums (taps 0, 1, 2, 3 mod 4, in order) and adds them in
;; the same order, so the result is the same number to the last bit; two branches go at once, so
;; the sums of one do not wait on each other. Compiled into true-peak-wasm.ts by
;; `npm run build:wasm`; test/unit/true-peak.test.ts checks it against plain arithmetic.
(module
  (memory (export "memory") 1)
  ;; $windows: $count byte offsets (i32) of windows of 32 doubles. $taps: $branches x 32 doubles,
  ;; $branches even (the caller adds a branch of zeros). The largest |y| of all, 0 for none.
  (func (export "peak") (param $windows i32) (param $count i32) (param $taps i32) (param $branches i32) (result f64)
    (local $end i32) (local $x i32) (local $t i32) (local $k i32) (local $tapsEnd i32) (local $best f64)
    (local $samples01 v128) (local $samples23 v128)
    (local $lowA v128) (local $highA v128) (local $lowB v128) (local $highB v128)
    (local.set $end (i32.add (local.get $windows) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $tapsEnd (i32.add (local.get $taps) (i32.shl (local.get $branches) (i32.const 8))))
    (block $done
      (loop $window
        (br_if $done (i32.ge_u (local.get $windows) (local.get $end)))
        (local.set $x (i32.load (local.get $windows)))
        (local.set $t (local.get $taps))
        (loop $branchPair
          ;; low: the sums of taps 0 and 1 mod 4 (JavaScript's y0, y1); high: of taps 2 and 3 (y2, y3).
          (local.set $lowA (v128.const f64x2 0 0))
          (local.set $highA (v128.const f64x2 0 0))
          (local.set $lowB (v128.const f64x2 0 0))
          (local.set $highB (v128.const f64x2 0 0))
          (local.set $k (i32.const 0))
          (loop $fourTaps
            (local.set $samples01 (v128.load (i32.add (local.get $x) (local.get $k))))
            (local.set $samples23 (v128.load offset=16 (i32.add (local.get $x) (local.get $k))))
            (local.set $lowA (f64x2.add (local.get $lowA)
              (f64x2.mul (local.get $samples01) (v128.load (i32.add (local.get $t) (local.get $k))))))
            (local.set $highA (f64x2.add (local.get $highA)
              (f64x2.mul (local.get $samples23) (v128.load offset=16 (i32.add (local.get $t) (local.get $k))))))
            (local.set $lowB (f64x2.add (local.get $lowB)
              (f64x2.mul (local.get $samples01) (v128.load offset=256 (i32.add (local.get $t) (local.get $k))))))
            (local.set $highB (f64x2.add (local.get $highB)
              (f64x2.mul (local.get $samples23) (v128.load offset=272 (i32.add (local.get $t) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 32)))
            (br_if $fourTaps (i32.lt_u (local.get $k) (i32.const 256))))
          (local.set $best (f64.max (local.get $best) (f64.abs (call $sum (local.get $lowA) (local.get $highA)))))
          (local.set $best (f64.max (local.get $best) (f64.abs (call $sum (local.get $lowB) (local.get $highB)))))
          (local.set $t (i32.add (local.get $t) (i32.const 512)))
          (br_if $branchPair (i32.lt_u (local.get $t) (local.get $tapsEnd))))
        (local.set $windows (i32.add (local.get $windows) (i32.const 4)))
        (br $window)))
    (local.get $best))
  ;; One channel of interleaved 16-bit samples at $samples ($frames frames of $channels) as doubles
  ;; at $channel (the caller zeroes the 32 before and after), and the largest |sample| of each block
  ;; of 16 frames as doubles at $largest (block b at index b + 1; the caller zeroes the array).
  ;; Returns the loudest block (the first, of equals).
  (func (export "load") (param $samples i32) (param $frames i32) (param $channels i32) (param $channel i32) (param $largest i32)
    (result i32)
    (local $f i32) (local $x f64) (local $at i32) (local $step i32) (local $most f64) (local $loudest i32)
    (local.set $step (i32.shl (local.get $channels) (i32.const 1)))
    (block $done
      (loop $frame
        (br_if $done (i32.ge_u (local.get $f) (local.get $frames)))
        (local.set $x (f64.convert_i32_s (i32.load16_s (local.get $samples))))
        (f64.store (local.get $channel) (local.get $x))
        (local.set $x (f64.abs (local.get $x)))
        (local.set $at (i32.add (local.get $largest) (i32.shl (i32.shr_u (local.get $f) (i32.const 4)) (i32.const 3))))
        (if (f64.gt (local.get $x) (f64.load offset=8 (local.get $at)))
          (then
            (f64.store offset=8 (local.get $at) (local.get $x))
            (if (f64.gt (local.get $x) (local.get $most))
              (then
                (local.set $most (local.get $x))
                (local.set $loudest (i32.shr_u (local.get $f) (i32.const 4)))))))
        (local.set $samples (i32.add (local.get $samples) (local.get $step)))
        (local.set $channel (i32.add (local.get $channel) (i32.const 8)))
        (local.set $f (i32.add (local.get $f) (i32.const 1)))
        (br $frame)))
    (local.get $loudest))
  ;; The windows worth interpolating of every block but $skip that could beat $peak (its largest
  ;; sample, of blocks b - 1 to b + 1, times $gain), written as byte offsets at $windows; returns
  ;; how many. A window is worth it next to a peak of the samples (|x[m]| >= both neighbours).
  (func (export "windows") (param $channel i32) (param $frames i32) (param $largest i32) (param $blocks i32)
    (param $skip i32) (param $peak f64) (param $gain f64) (param $windows i32) (result i32)
    (local $b i32) (local $at i32)
    (local.set $at (local.get $windows))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $b) (local.get $blocks)))
        (if (i32.and
              (i32.ne (local.get $b) (local.get $skip))
              (f64.gt
                (f64.mul
                  (f64.max
                    (f64.max (f64.load (i32.add (local.get $largest) (i32.shl (local.get $b) (i32.const 3))))
                             (f64.load offset=8 (i32.add (local.get $largest) (i32.shl (local.get $b) (i32.const 3)))))
                    (f64.load offset=16 (i32.add (local.get $largest) (i32.shl (local.get $b) (i32.const 3)))))
                  (local.get $gain))
                (local.get $peak)))
          (then (local.set $at (call $blockWindows (local.get $channel) (local.get $frames) (local.get $b) (local.get $at)))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $block)))
    (i32.shr_u (i32.sub (local.get $at) (local.get $windows)) (i32.const 2)))
  ;; Block $b's windows next to a peak of the samples, written from $at; returns where the next goes.
  (func $blockWindows (export "blockWindows") (param $channel i32) (param $frames i32) (param $b i32) (param $at i32) (result i32)
    (local $n i32) (local $end i32) (local $sample i32)
    (local.set $n (i32.shl (local.get $b) (i32.const 4)))
    (local.set $end (i32.add (local.get $n) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $frames)) (then (local.set $end (local.get $frames))))
    (block $done
      (loop $gap
        (br_if $done (i32.ge_u (local.get $n) (local.get $end)))
        ;; Sample n sits at $channel + (32 + n) * 8; its window starts 15 samples before it.
        (local.set $sample (i32.add (local.get $channel) (i32.shl (i32.add (local.get $n) (i32.const 32)) (i32.const 3))))
        (if (i32.or (call $isPeak (local.get $sample)) (call $isPeak (i32.add (local.get $sample) (i32.const 8))))
          (then
            (i32.store (local.get $at) (i32.sub (local.get $sample) (i32.const 120)))
            (local.set $at (i32.add (local.get $at) (i32.const 4)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $gap)))
    (local.get $at))
  (func $isPeak (param $at i32) (result i32)
    (local $x f64)
    (local.set $x (f64.abs (f64.load (local.get $at))))
    (i32.and
      (f64.ge (local.get $x) (f64.abs (f64.load (i32.sub (local.get $at) (i32.const 8)))))
      (f64.ge (local.get $x) (f64.abs (f64.load offset=8 (local.get $at))))))
  ;; y0 + y1 + y2 + y3, left to right.
  (func $sum (param $low v128) (param $high v128) (result f64)
    (f64.add
      (f64.add
        (f64.add (f64x2.extract_lane 0 (local.get $low)) (f64x2.extract_lane 1 (local.get $low)))
        (f64x2.extract_lane 0 (local.get $high)))
      (f64x2.extract_lane 1 (local.get $high)))))
