;; The document's gain on 16-bit samples, eight at a time (WebAssembly SIMD): each sample times the
;; factor in single precision, rounded half up, clipped to 16 bits by the saturating narrow.
;; Compiled into gain.ts by `npm run build:wasm`; test/unit/gain.test.ts checks the two agree.
(module
  (memory (export "memory") 1)
  ;; The samples at [0, bytes) in place; bytes a multiple of 16 (the caller pads).
  (func (export "gain") (param $bytes i32) (param $factor f32)
    (local $at i32) (local $factors v128) (local $half v128) (local $eight v128)
    (local.set $factors (f32x4.splat (local.get $factor)))
    (local.set $half (f32x4.splat (f32.const 0.5)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $bytes)))
        (local.set $eight (v128.load (local.get $at)))
        (v128.store (local.get $at)
          (i16x8.narrow_i32x4_s
            (i32x4.trunc_sat_f32x4_s
              (f32x4.floor (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $eight))) (local.get $factors)) (local.get $half))))
            (i32x4.trunc_sat_f32x4_s
              (f32x4.floor (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $eight))) (local.get $factors)) (local.get $half))))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))))
