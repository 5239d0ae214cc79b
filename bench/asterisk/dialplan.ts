// The benchmark's contexts, appended to the project's dialplan/extensions.conf on the
// benchmark's own Asterisk. Callers are Local channels originated by the benchmark: the
// first half is the benchmark's (it keys the caller's answers), the second half runs
// one of these contexts with the caller's number as the extension.

/** The PIN every caller of the pure-dialplan IVR keys (the dialplan compares it as text). */
export const DIALPLAN_PIN = '4821';

export const BENCH_DIALPLAN = `
[bench-in]
; A caller ringing the support line from the number in the extension.
exten => _[+0-9].,1,Set(CALLERID(num)=\${EXTEN})
 same => n,Goto(support,s,1)

[bench-ivr]
; The same steps in pure dialplan, the baseline: greeting and PIN, menu, critical
; question, then the next prompt. Each Read() barges in on its prompt as the line does.
exten => _[+0-9].,1,Answer()
 same => n,Playback(support-line/greeting)
 same => n(pin),Read(PIN,support-line/enter-pin,8)
 same => n,GotoIf($["\${PIN}" != "${DIALPLAN_PIN}"]?pin)
 same => n(menu),Read(MENU,support-line/main-menu,1)
 same => n,GotoIf($["\${MENU}" != "1"]?menu)
 same => n(critical),Read(CRIT,support-line/fault-critical-question,1)
 same => n,Playback(support-line/ticket-reference&support-line/connecting-desk)
 same => n,Hangup()

[bench-desk]
; The desk rings and nobody answers: callers in the benchmark hang up before it matters.
exten => _[a-z].,1,Ringing()
 same => n,Wait(120)
 same => n,Hangup()

[bench-engineers]
; An engineer's phone: it rings (the moment the benchmark times) and is never answered.
exten => _[+0-9].,1,Ringing()
 same => n,Wait(120)
 same => n,Hangup()
`;
