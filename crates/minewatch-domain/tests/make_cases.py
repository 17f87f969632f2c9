# Generates the engine's data-driven cases. Expected values are worked out here by hand
# (and, for working days, by this script's own calendar code), not by the engine.
import json, tomllib, datetime as dt, os
D=dt.date.fromisoformat
cal=tomllib.load(open(os.path.join(os.path.dirname(__file__), '../../../packs/mn/calendar.toml'),'rb'))
HOL={D(h['date']) if isinstance(h['date'],str) else h['date'] for h in cal['holiday']}
def working(d): return d.weekday()<5 and d not in HOL
def add_working(s,n):
    d=D(s)
    while n>0:
        d+=dt.timedelta(days=1)
        if working(d): n-=1
    return d.isoformat()
def add_cal(s,n):
    d=D(s)+dt.timedelta(days=n)
    while not working(d): d+=dt.timedelta(days=1)
    return d.isoformat()
OUT=os.path.join(os.path.dirname(__file__), 'cases')
for f in os.listdir(OUT): os.remove(os.path.join(OUT,f))
n=0
def case(name, desc, duties, as_of, facts, expected, articles=None, diagnostics=None):
    global n; n+=1
    facts={k:v for k,v in facts.items() if v}
    extra={}
    if articles: extra["articles"]=articles
    if diagnostics: extra["diagnostics"]=diagnostics
    json.dump({"description":desc,"duties":duties,"as_of":as_of,"facts":facts,"expected":expected,**extra},
              open(f"{OUT}/{n:02d}-{name}.json","w"),ensure_ascii=False,indent=1)
def ev(id,kind,subject,date,**kw):
    e={"id":id,"kind":kind,"subject":subject,"date":date}; e.update(kw); return e
def gap(duty,subject,status,due=None,**kw):
    g={"duty":duty,"subject":subject,"status":status}
    if due: g["due"]=due
    g.update(kw); return g
def lic(id,t="mining",**kw):
    l={"id":id,"licence_type":t,"holder":"company-1","authorities":{"aimag-governor":"auth-tov-governor","soum-governor":"auth-zaamar-governor"}}; l.update(kw); return l

R="mn.information-request-reply-2021"
due1=add_working("2025-07-08",7)
assert due1=="2025-07-23", due1
sent=[ev("req-1-sent","request-sent","req-1","2025-07-08",to="auth-zaamar-governor")]
case("request-pending","A request sent on Tue 8 Jul 2025: 7 working days skip Naadam (10–15 Jul) and weekends, so it is due 23 Jul; on 10 Jul it is pending.",[R],"2025-07-10",{"events":sent},[gap(R,"req-1","pending",due1,bearer="auth-zaamar-governor")])
case("request-overdue","No reply by the day after the due date: overdue (we would know of a reply to our own request).",[R],"2025-07-24",{"events":sent},[gap(R,"req-1","overdue",due1)])
case("request-answered-on-due-date","A reply on the due date itself is in time.",[R],"2025-08-01",{"events":sent+[ev("req-1-reply","request-answered","req-1","2025-07-23")]},[gap(R,"req-1","met",due1,evidence=["req-1-sent","req-1-reply"])])
case("request-answered-a-day-late","A reply one working day late is met late.",[R],"2025-08-01",{"events":sent+[ev("req-1-reply","request-answered","req-1","2025-07-24")]},[gap(R,"req-1","met_late",due1)])
case("request-refused-in-writing","A record that the body will not answer is a breach.",[R],"2025-07-15",{"events":sent+[ev("req-1-no","request-answered","req-1","2025-07-14",negative=True)]},[gap(R,"req-1","breached",due1)])
due6=add_working("2025-02-28",7)
case("request-over-tsagaan-sar","Sent on Fri 28 Feb 2025: Tsagaan Sar (1–3 Mar) and the weekends are skipped.",[R],"2025-03-20",{"events":[ev("r","request-sent","req-2","2025-02-28")]},[gap(R,"req-2","overdue",due6)])
case("request-reply-retracted","The reply the gap relied on was retracted (entered for the wrong request): the request is overdue again.",[R],"2025-08-01",{"events":sent+[ev("req-1-reply","request-answered","req-1","2025-07-20",retracted=True)]},[gap(R,"req-1","overdue",due1)])
case("two-requests-two-authorities","Two requests to two bodies, one answered: one gap each.",[R],"2025-08-01",{"events":sent+[ev("req-9-sent","request-sent","req-9","2025-07-08",to="auth-mrpam"),ev("req-9-reply","request-answered","req-9","2025-07-11")]},[gap(R,"req-1","overdue",due1,bearer="auth-zaamar-governor"),gap(R,"req-9","met",due1,bearer="auth-mrpam")])
case("request-as-of-the-due-date","On the due date itself, with no reply yet, it is still pending.",[R],due1,{"events":sent},[gap(R,"req-1","pending",due1)])
case("reply-dated-before-the-request","A reply dated before the request cannot answer it.",[R],"2025-08-01",{"events":sent+[ev("old","request-answered","req-1","2025-07-01")]},[gap(R,"req-1","overdue",due1)])

C="mn.complaint-reply"
case("complaint-30-calendar-days","Sent Sun 1 Jun 2025 + 30 calendar days = Tue 1 Jul, a working day; no reply by 2 Jul.",[C],"2025-07-02",{"events":[ev("c","complaint-sent","cmp-1","2025-06-01")]},[gap(C,"cmp-1",'overdue',add_cal("2025-06-01",30))])
due12=add_cal("2025-06-10",30)
assert due12=="2025-07-16", due12
case("complaint-due-on-naadam-moves","10 Jun + 30 days = Thu 10 Jul, Naadam: the due date moves to the next working day, Wed 16 Jul; on 15 Jul it is pending.",[C],"2025-07-15",{"events":[ev("c","complaint-sent","cmp-2","2025-06-10")]},[gap(C,"cmp-2","pending",due12)])
case("complaint-answered-on-moved-date","A reply on the moved due date is in time.",[C],"2025-08-01",{"events":[ev("c","complaint-sent","cmp-2","2025-06-10"),ev("a","complaint-answered","cmp-2","2025-07-16")]},[gap(C,"cmp-2","met",due12)])

A="mn.local-agreement"
dueA=add_cal("2024-01-10",365)
case("agreement-unverified","A mine operating since 10 Jan 2024 with no agreement recorded either way: unverified, not overdue.",[A],"2025-06-01",{"licences":[lic("lic-1")],"events":[ev("op","operation-started","lic-1","2024-01-10")]},[gap(A,"lic-1","unverified",dueA,bearer="company-1")])
case("agreement-signed","The agreement signed within the year: met.",[A],"2025-06-01",{"licences":[lic("lic-1")],"events":[ev("op","operation-started","lic-1","2024-01-10"),ev("ag","agreement-signed","lic-1","2024-06-01")]},[gap(A,"lic-1","met",dueA)])
case("agreement-exploration-licence","The agreement duty is for mining licences: an exploration licence gets no gap.",[A],"2025-06-01",{"licences":[lic("lic-2","exploration")],"events":[ev("op","operation-started","lic-2","2024-01-10")]},[])
case("agreement-signed-before-operation","An agreement signed before operations started performs the duty.",[A],"2025-06-01",{"licences":[lic("lic-1")],"events":[ev("op","operation-started","lic-1","2024-01-10"),ev("ag","agreement-signed","lic-1","2023-12-01")]},[gap(A,"lic-1","met",dueA)])

X="mn.exploration-extension"
xl=[lic("lic-x","exploration",expires="2025-09-30")]
case("extension-in-time","Expires 30 Sep 2025; filed 20 Aug, before the 30 Aug due date (one month before).",[X],"2025-10-01",{"licences":xl,"events":[ev("f","extension-filed","lic-x","2025-08-20")]},[gap(X,"lic-x","met","2025-08-30",trigger="lic-x#expires")])
case("extension-late","Filed 10 Sep, after the 30 Aug due date: met late.",[X],"2025-10-01",{"licences":xl,"events":[ev("f","extension-filed","lic-x","2025-09-10")]},[gap(X,"lic-x","met_late","2025-08-30")])
case("extension-pending","On 15 Aug nothing is due yet.",[X],"2025-08-15",{"licences":xl},[gap(X,"lic-x","pending","2025-08-30")])
case("extension-unverified","After the due date with no record: unverified.",[X],"2025-09-01",{"licences":xl},[gap(X,"lic-x","unverified","2025-08-30")])
case("extension-not-for-mining","Mining licences have no extension duty here.",[X],"2025-09-01",{"licences":[lic("lic-m","mining",expires="2025-09-30")]},[])

G="mn.governor-opinion"
case("governor-opinion-before-grant","The aimag governor gave the opinion on 20 Mar 2025; the licence was granted on 15 Apr: the precondition was met, and the bearer is the licence's aimag governor.",[G],"2025-05-01",{"licences":[lic("lic-1",granted="2025-04-15")],"events":[ev("o","governor-opinion","lic-1","2025-03-20")]},[gap(G,"lic-1","met","2025-04-15",bearer="auth-tov-governor",evidence=["lic-1#granted","o"],citation="Art. 11.3")],articles=["licensing-11.3"])
case("governor-opinion-nothing-recorded","Granted on 15 Apr 2025 with no opinion on record: unverified against the grant (the next step is to request the opinion), never a deadline after a request nobody recorded.",[G],"2025-05-01",{"licences":[lic("lic-1",granted="2025-04-15")]},[gap(G,"lic-1","unverified","2025-04-15")],articles=["licensing-11.3"])
case("governor-opinion-after-grant","An opinion dated after the grant did not precede it: breached.",[G],"2025-05-01",{"licences":[lic("lic-1",granted="2025-04-15")],"events":[ev("o","governor-opinion","lic-1","2025-04-20")]},[gap(G,"lic-1","breached","2025-04-15")],articles=["licensing-11.3"])

P="mn.consultation-before-licensing"
gl=[lic("lic-1",granted="2025-01-15")]
case("consultation-before-grant","Consulted 20 Dec 2024, licence granted 15 Jan 2025: met.",[P],"2025-06-01",{"licences":gl,"events":[ev("c","community-consultation","lic-1","2024-12-20")]},[gap(P,"lic-1","met","2025-01-15",bearer="auth-zaamar-governor")])
case("consultation-after-grant","Consultation only after the licence was granted: breached.",[P],"2025-06-01",{"licences":gl,"events":[ev("c","community-consultation","lic-1","2025-02-01")]},[gap(P,"lic-1","breached","2025-01-15")])
case("consultation-unknown","No record either way: unverified.",[P],"2025-06-01",{"licences":gl},[gap(P,"lic-1","unverified","2025-01-15")])
case("consultation-did-not-happen","The governor's reply says no consultation took place: breached, citing the reply.",[P],"2025-06-01",{"licences":gl,"events":[ev("reply-7","community-consultation","lic-1","2025-03-01",negative=True)]},[gap(P,"lic-1","breached","2025-01-15",evidence=["lic-1#granted","reply-7"])])

E="mn.eia-before-works"
case("eia-before-works","EIA conclusion 1 May 2024, works 1 Jun: met.",[E],"2025-01-01",{"licences":[lic("lic-1")],"events":[ev("e","eia-conclusion","lic-1","2024-05-01"),ev("w","works-started","lic-1","2024-06-01")]},[gap(E,"lic-1","met","2024-06-01")])
case("eia-after-works","Works started before the EIA conclusion: breached.",[E],"2025-01-01",{"licences":[lic("lic-1")],"events":[ev("e","eia-conclusion","lic-1","2024-07-01"),ev("w","works-started","lic-1","2024-06-01")]},[gap(E,"lic-1","breached","2024-06-01")])
case("eia-no-works-yet","No works started: nothing owed yet, no gap.",[E],"2025-01-01",{"licences":[lic("lic-1")],"events":[ev("e","eia-conclusion","lic-1","2024-07-01")]},[])

M="mn.emp-annual-report"
op=[ev("op","operation-started","lic-1","2023-03-01")]
case("emp-three-years","Reports on 15 Oct 2023 (in time) and 5 Nov 2024 (late); 2025 not due yet.",[M],"2025-06-01",{"licences":[lic("lic-1")],"events":op+[ev("r23","emp-report-submitted","lic-1","2023-10-15"),ev("r24","emp-report-submitted","lic-1","2024-11-05")]},[gap(M,"lic-1","met","2023-11-01"),gap(M,"lic-1","met_late","2024-11-01"),gap(M,"lic-1","pending","2025-11-01")])
case("emp-missing-year","No 2024 report recorded: unverified for 2024.",[M],"2025-06-01",{"licences":[lic("lic-1")],"events":op+[ev("r23","emp-report-submitted","lic-1","2023-10-15")]},[gap(M,"lic-1","met","2023-11-01"),gap(M,"lic-1","unverified","2024-11-01"),gap(M,"lic-1","pending","2025-11-01")])
case("emp-start-after-due-date","Operations from 15 Nov 2025: the first report is due 1 Nov 2026.",[M],"2025-12-01",{"licences":[lic("lic-1")],"events":[ev("op","operation-started","lic-1","2025-11-15")]},[gap(M,"lic-1","pending","2026-11-01")])
case("emp-ends-with-revocation","Revoked on 1 Jun 2024: only the 2023 report was owed.",[M],"2025-06-01",{"licences":[lic("lic-1")],"events":[ev("op","operation-started","lic-1","2023-01-01"),ev("rv","licence-revoked","lic-1","2024-06-01")]},[gap(M,"lic-1","unverified","2023-11-01")])

W="mn.disclosure-every-14-days"
case("disclosure-every-14-days","Government Resolution 411/2013 (in force until 17 May 2022), watched from 1 May 2021: updated 10 May (in time for 15 May) and 30 May (late for 29 May); next due 12 Jun.",[W],"2021-06-05",{"events":[ev("w","disclosure-watch-started","auth-zaamar-governor","2021-05-01"),ev("u1","disclosure-updated","auth-zaamar-governor","2021-05-10"),ev("u2","disclosure-updated","auth-zaamar-governor","2021-05-30")]},[gap(W,"auth-zaamar-governor","met","2021-05-15"),gap(W,"auth-zaamar-governor","met_late","2021-05-29"),gap(W,"auth-zaamar-governor","pending","2021-06-12")])
case("disclosure-after-its-resolution-was-repealed","Resolution 411/2013 was repealed by Resolution 201 of 18 May 2022, whose update periods are not in the pack: a watch started in 2025 owes nothing under it, and no period due after 17 May 2022 is counted.",[W],"2025-06-05",{"events":[ev("w","disclosure-watch-started","auth-zaamar-governor","2025-05-01"),ev("w2","disclosure-watch-started","auth-mrpam","2022-04-20")]},[gap(W,"auth-mrpam","unverified","2022-05-04")],articles=["res411-updates"])

T="mn.revocation-repeat-violations"
vio=[ev("v1","violation","lic-1","2023-01-10"),ev("v2","violation","lic-1","2023-08-01"),ev("v3","violation","lic-1","2024-05-01")]
dueT=add_cal("2024-05-01",90)
case("threshold-met","Three violations within two years; the ministry concluded within 90 days.",[T],"2025-01-01",{"licences":[lic("lic-1")],"events":vio+[ev("c","revocation-conclusion","lic-1","2024-07-01")]},[gap(T,"lic-1","met",dueT,trigger="v3",evidence=["v1","v2","v3","c"])])
case("threshold-unverified","Three violations, no conclusion on record: unverified.",[T],"2025-01-01",{"licences":[lic("lic-1")],"events":vio},[gap(T,"lic-1","unverified",dueT)])
case("threshold-spread-out","Three violations over more than two years: the threshold is not reached.",[T],"2025-01-01",{"licences":[lic("lic-1")],"events":[ev("v1","violation","lic-1","2021-01-01"),ev("v2","violation","lic-1","2022-06-01"),ev("v3","violation","lic-1","2023-06-01")]},[])
case("threshold-violation-retracted","One finding was retracted: two remain, no gap.",[T],"2025-01-01",{"licences":[lic("lic-1")],"events":[vio[0],vio[1],dict(vio[2],retracted=True)]},[])
case("threshold-late-conclusion","The conclusion came after the 90 days: met late.",[T],"2025-01-01",{"licences":[lic("lic-1")],"events":vio+[ev("c","revocation-conclusion","lic-1","2024-10-01")]},[gap(T,"lic-1","met_late",dueT)])

S=["mn.no-licence-in-headwaters","mn.no-licence-in-water-protection-zone","mn.no-licence-in-forest-fund"]
case("spatial-three-zones","Overlaps headwaters (breached), checked clear of water-protection zones (met), never checked against forest land (unverified).",S,"2025-01-01",{"licences":[lic("lic-1")],"zones":[{"id":"z1","licence":"lic-1","zone":"headwater","overlaps":True,"date":"2024-12-01"},{"id":"z2","licence":"lic-1","zone":"water-protection","overlaps":False,"date":"2024-12-01"}],"zone_layers":["forest-fund"]},[gap(S[0],"lic-1","breached",trigger="z1"),gap(S[1],"lic-1","met"),gap(S[2],"lic-1","unverified")])
case("spatial-no-layer-is-one-diagnostic","No forest-fund zone on record at all: the duty cannot be evaluated, so it makes one diagnostic for all licences, not an unverified gap per licence.",[S[2]],"2025-01-01",{"licences":[lic("lic-1"),lic("lic-2"),lic("lic-3")]},[],articles=["long-name-1.1"],diagnostics=["no forest-fund layer on record: 3 licence(s) not screened"])

PM=["mn.air-pm10-inspection","mn.public-warning-air"]
hourly=[{"id":f"h{i}","subject":"st-1","parameter":"pm10","value":v,"averaging":"1h","date":"2025-04-02"} for i,v in enumerate([100,120,140])]
dueI=add_cal("2025-04-02",30)
case("pm10-daily-mean-exceeds","Hourly PM10 of 100, 120, 140 µg/m³ average 120 over the day, above 100: an inspection within 30 days (done); 10× is not reached, so the public warning was never owed (not_owed, not met).",PM,"2025-06-01",{"measurements":hourly,"events":[ev("insp","inspection","st-1","2025-04-20")]},[gap(PM[0],"st-1","met",dueI,trigger="h0+h1+h2"),gap(PM[1],"st-1","not_owed")])
dueW=add_cal("2025-04-02",1)
case("pm10-ten-times","A daily PM10 of 1200 µg/m³: an inspection and a public warning are owed; neither recorded.",PM,"2025-06-01",{"measurements":[{"id":"d1","subject":"st-1","parameter":"pm10","value":1200,"averaging":"24h","date":"2025-04-02"}]},[gap(PM[0],"st-1","unverified",dueI),gap(PM[1],"st-1","unverified",dueW)])
DO="mn.public-warning-water-oxygen"
case("dissolved-oxygen-warning","Dissolved oxygen of 1.5 mg/L (at or below 2): a warning was issued the same day.",[DO],"2025-06-01",{"measurements":[{"id":"o1","subject":"well-3","parameter":"dissolved_oxygen","value":1.5,"averaging":"sample","date":"2025-05-05"}],"events":[ev("w","warning-issued","well-3","2025-05-05")]},[gap(DO,"well-3","met",add_cal("2025-05-05",1))])
N="mn.noise-night-limit"
case("night-noise-breach","Night noise of 50 dBA against 45: a breach by the emitter, no action needed to show it.",[N],"2025-06-01",{"measurements":[{"id":"n1","subject":"camp-edge","parameter":"noise","value":50,"averaging":"night8h","date":"2025-05-05"}]},[gap(N,"camp-edge","breached","2025-05-05")])
WA="mn.water-ammonium-inspection"
case("water-within-limit","Ammonium 0.4 mg/L is within 0.5: the inspection an exceedance makes owed was never owed.",[WA],"2025-06-01",{"measurements":[{"id":"w1","subject":"river-1","parameter":"nh4","value":0.4,"averaging":"sample","date":"2025-05-05"}]},[gap(WA,"river-1","not_owed")])

K="mn.agreement-commitments"
case("commitment-late","A payment due Mon 31 Mar 2025 was made on 10 Apr: met late.",[K],"2025-06-01",{"licences":[lic("lic-1")],"events":[ev("due","commitment-due","lic-1","2025-03-31"),ev("paid","commitment-fulfilled","lic-1","2025-04-10")]},[gap(K,"lic-1","met_late","2025-03-31")])
case("one-payment-two-instalments","Two instalments (due 31 Mar and 30 Jun 2025) and one payment on 10 Jul: it settles the first, late; the second is unverified.",[K],"2025-08-01",{"licences":[lic("lic-1")],"events":[ev("due1","commitment-due","lic-1","2025-03-31"),ev("due2","commitment-due","lic-1","2025-06-30"),ev("paid","commitment-fulfilled","lic-1","2025-07-10")]},[gap(K,"lic-1","met_late","2025-03-31",evidence=["due1","paid"]),gap(K,"lic-1","unverified","2025-06-30",evidence=["due2"])])
WP="mn.water-permit"
case("water-use-without-permit-record","Water use started with no permit on record: unverified.",[WP],"2025-06-01",{"licences":[lic("lic-1")],"events":[ev("u","water-use-started","lic-1","2025-02-01")]},[gap(WP,"lic-1","unverified","2025-02-01")])
L="mn.licence-publication"
dueL=add_cal("2025-07-09",3)
assert dueL=="2025-07-16", dueL
case("publication-due-moves-off-naadam","Granted Wed 9 Jul 2025 + 3 days = Sat 12 Jul in Naadam: due Wed 16 Jul; published that day.",[L],"2025-08-01",{"licences":[lic("lic-1",granted="2025-07-09")],"events":[ev("p","licence-published","lic-1","2025-07-16")]},[gap(L,"lic-1","met",dueL)])
case("several-licences-at-once","Two licences, two duties: each licence gets its own gaps.",[E,P],"2025-06-01",{"licences":[lic("lic-1",granted="2025-01-15"),lic("lic-2",granted="2025-02-01")],"events":[ev("w1","works-started","lic-1","2025-03-01"),ev("e1","eia-conclusion","lic-1","2025-02-01"),ev("w2","works-started","lic-2","2025-03-01"),ev("c2","community-consultation","lic-2","2025-01-20")]},[gap(P,"lic-1","unverified","2025-01-15"),gap(P,"lic-2","met","2025-02-01"),gap(E,"lic-1","met","2025-03-01"),gap(E,"lic-2","unverified","2025-03-01")])
# ---- The law in force on the day (laws.toml: in_force_from / in_force_until) ----------
R11="mn.information-request-reply"
dueR11=add_working("2020-03-02",7)
case("request-under-the-2011-law","A request sent on 2 Mar 2020 is owed under the 2011 information law (in force 1 Dec 2011 to 30 Apr 2022), cited as such; the 2021 law's duty owes nothing for it.",[R11,R],"2020-04-01",{"events":[ev("s","request-sent","req-1","2020-03-02",to="auth-zaamar-governor")]},[gap(R11,"req-1","overdue",dueR11,citation="Law on Information Transparency and Right to Information, Art. 11",not_cited="Transparency of Public Information")],articles=["info-2011-11"])
dueR21=add_working("2023-03-01",7)
case("request-under-the-2021-law","A request sent on 1 Mar 2023 is owed under the 2021 Law on Transparency of Public Information (from 1 May 2022) only.",[R11,R],"2023-04-01",{"events":[ev("s","request-sent","req-1","2023-03-01",to="auth-zaamar-governor")]},[gap(R,"req-1","overdue",dueR21,citation="Law on Transparency of Public Information, Art. 13")],articles=["public-info-2021-13"])
dueX=add_working("2022-04-28",7)
case("request-across-the-law-change","Sent on Thu 28 Apr 2022, two days before the 2011 law's last day: the law of the sending day governs the whole deadline, which falls in May under the new law.",[R11,R],"2022-06-01",{"events":[ev("s","request-sent","req-1","2022-04-28",to="auth-zaamar-governor"),ev("a","request-answered","req-1",dueX)]},[gap(R11,"req-1","met",dueX,evidence=["s","a"],citation="Law on Information Transparency and Right to Information")],articles=["info-2011-11"])
case("request-before-any-information-law","A request sent in June 2011, before the 2011 law came into force on 1 Dec 2011: no duty in the pack was owed.",[R11,R],"2011-09-01",{"events":[ev("s","request-sent","req-1","2011-06-20")]},[])
case("hand-delivered-request","A request handed over on 3 Jun 2024 (its receipt stamped that day) is owed from the day of delivery, like one sent by email.",[R],"2024-07-01",{"events":[ev("d","request-sent","req-7","2024-06-03",to="auth-mrpam")]},[gap(R,"req-7","overdue",add_working("2024-06-03",7),bearer="auth-mrpam")])
I="mn.air-pm10-inspection"
dueI16=add_cal("2016-08-01",30)
case("standard-not-yet-in-force","PM10 of 300 µg/m³ on 1 Dec 2015 came before MNS 4585:2016 applied (8 Jul 2016): it is compared with nothing; the same on 1 Aug 2016 makes an inspection owed.",[I],"2016-12-01",{"measurements":[{"id":"m15","subject":"st-1","parameter":"pm10","value":300,"averaging":"24h","date":"2015-12-01"},{"id":"m16","subject":"st-1","parameter":"pm10","value":300,"averaging":"24h","date":"2016-08-01"}]},[gap(I,"st-1","unverified",dueI16,trigger="m16",citation="MNS 4585:2016")],articles=["mns-4585"])
case("standard-not-yet-in-force-only","Only readings from before MNS 4585:2016 applied: nothing is owed and nothing is said about them.",[I],"2016-12-01",{"measurements":[{"id":"m15","subject":"st-1","parameter":"pm10","value":300,"averaging":"24h","date":"2015-12-01"}]},[])
case("emp-report-before-its-order","Operating since 2017, as of 1 Jun 2021: reports due on 1 Nov 2017, 2018 and 2019 came before order A/618 of 2019 surely applied (the pack counts it from 1 Jan 2020); the 2020 report is unverified, the 2021 one pending.",[M],"2021-06-01",{"licences":[lic("lic-1")],"events":[ev("op","operation-started","lic-1","2017-01-01")]},[gap(M,"lic-1","unverified","2020-11-01",citation="A/618 of 2019"),gap(M,"lic-1","pending","2021-11-01")],articles=["a618-4.1"])
PW="mn.public-warning-air"
case("public-warning-not-owed-below-ten-times","A daily PM10 of 150 µg/m³ exceeds the standard but not ten times: the public warning was never owed.",[PW],"2025-06-01",{"measurements":[{"id":"d1","subject":"st-1","parameter":"pm10","value":150,"averaging":"24h","date":"2025-04-02"}]},[gap(PW,"st-1","not_owed")],articles=["res286-annex3"])
N="mn.noise-night-limit"
case("noise-limit-kept-is-met","The holder kept within the night noise limit: met (a limit that binds the holder is complied with, not 'not owed').",[N],"2025-06-01",{"measurements":[{"id":"n1","subject":"lic-1","parameter":"noise","value":40,"averaging":"night8h","date":"2025-05-01"}],"licences":[lic("lic-1")]},[gap(N,"lic-1","met")],articles=["mns-4585"])

L2="mn.licence-publication"
case("publication-cites-the-law-of-its-day","A licence granted on 4 Mar 2019 was to be published under Government Resolutions 106/2017 and 411/2013, not yet under the 2021 law; one granted on 6 Mar 2023 under the 2021 law, Resolution 411 having been repealed.",[L2],"2023-06-01",{"licences":[lic("lic-1",granted="2019-03-04"),lic("lic-2",granted="2023-03-06")]},[gap(L2,"lic-1","unverified",add_cal("2019-03-04",3),citation="No. 106",not_cited="Transparency of Public Information"),gap(L2,"lic-2","unverified",add_cal("2023-03-06",3),citation="Transparency of Public Information",not_cited="No. 411")],articles=["res106-publication","public-info-2021-licences"])
# ---- More cases from the law (each names the articles it tests) ---------------------
HA="mn.holder-air-limits"
m=lambda id,subject,param,value,avg,date: {"id":id,"subject":subject,"parameter":param,"value":value,"averaging":avg,"date":date}
case("holder-pm25-over-the-limit-at-the-site","PM2.5 of 80 µg/m³ over 24 h measured at the licence on 1 Mar 2025: above MNS 4585:2016's 50 (24 h) and, as the year's only value, its annual mean above 25: two breaches by the holder, citing the standard.",[HA],"2025-06-01",{"licences":[lic("lic-1")],"measurements":[m("p1","lic-1","pm2_5",80,"24h","2025-03-01")]},[gap(HA,"lic-1","breached","2025-03-01",bearer="company-1",citation="MNS 4585:2016"),gap(HA,"lic-1","breached","2025-01-01",bearer="company-1")],articles=["mns-4585"])
case("holder-within-the-limit-is-met","PM2.5 of 20 µg/m³ over 24 h at the site: within 50 and 25: the holder met both limits.",[HA],"2025-06-01",{"licences":[lic("lic-1")],"measurements":[m("p1","lic-1","pm2_5",20,"24h","2025-03-01")]},[gap(HA,"lic-1","met"),gap(HA,"lic-1","met")],articles=["mns-4585"])
case("holder-limits-bind-only-at-a-licence","The same reading at a city station binds no licence holder (the inspection and warning duties read stations).",[HA],"2025-06-01",{"licences":[lic("lic-1")],"measurements":[m("p1","st-1","pm2_5",80,"24h","2025-03-01")]},[],articles=["mns-4585"])
HW="mn.holder-water-limits"
case("holder-nitrate-below-the-site","Nitrate 12 mg/L in a sample below the site (MNS 4586:1998 allows 9): breached by the holder.",[HW],"2025-06-01",{"licences":[lic("lic-1")],"measurements":[m("w1","lic-1","no3",12,"sample","2025-05-05")]},[gap(HW,"lic-1","breached","2025-05-05",citation="MNS 4586:1998")],articles=["mns-4586"])
WO="mn.public-warning-water-oxygen"
case("oxygen-above-the-warning-level-is-not-owed","Dissolved oxygen of 6 mg/L stays above the 2 mg/L warning level (a minimum): the warning was never owed.",[WO],"2025-06-01",{"measurements":[m("o1","river-1","dissolved_oxygen",6,"sample","2025-05-05")]},[gap(WO,"river-1","not_owed")],articles=["res286-annex3"])
case("oxygen-at-the-warning-level","Dissolved oxygen of 1.5 mg/L is at or below 2 mg/L: a public warning is owed within a day; none recorded.",[WO],"2025-06-01",{"measurements":[m("o1","river-1","dissolved_oxygen",1.5,"sample","2025-05-05")]},[gap(WO,"river-1","unverified",add_cal("2025-05-05",1))],articles=["res286-annex3"])
case("standard-applies-from-its-first-day","PM10 of 300 µg/m³ on 8 Jul 2016, the day MNS 4585:2016 came into force, is compared; the day before is not.",[I],"2016-12-01",{"measurements":[m("a","st-1","pm10",300,"24h","2016-07-07"),m("b","st-1","pm10",300,"24h","2016-07-08")]},[gap(I,"st-1","unverified",add_cal("2016-07-08",30),trigger="b")],articles=["mns-4585"])
case("request-on-the-2011-laws-last-day","A request sent on Fri 29 Apr 2022, the last working day before the 2021 law applied (1 May), is answered under the 2011 law.",[R11,R],"2022-06-01",{"events":[ev("s","request-sent","req-1","2022-04-29",to="auth-mrpam")]},[gap(R11,"req-1","overdue",add_working("2022-04-29",7),citation="Right to Information")],articles=["info-2011-11"])
case("request-on-the-2021-laws-first-day","A request sent on Sun 1 May 2022 is owed under the 2021 law only.",[R11,R],"2022-06-01",{"events":[ev("s","request-sent","req-1","2022-05-01",to="auth-mrpam")]},[gap(R,"req-1","overdue",add_working("2022-05-01",7),citation="Transparency of Public Information")],articles=["public-info-2021-13"])
CR="mn.citizen-report-follow-up"
case("report-of-a-violation-unanswered","A citizen reported unlawful resource use on 20 Apr 2022: the body had 30 days to act and say so; no answer by 1 Jun is overdue (we would know of an answer to our own report).",[CR],"2022-06-01",{"events":[ev("r","violation-reported","req-r","2022-04-20",to="auth-zaamar-governor")]},[gap(CR,"req-r","overdue",add_cal("2022-04-20",30),bearer="auth-zaamar-governor")],articles=["epl-4.2.4"])
case("report-of-a-violation-acted-on","The governor's reply on 10 May 2022 saying an inspection was ordered meets the duty.",[CR],"2022-06-01",{"events":[ev("r","violation-reported","req-r","2022-04-20",to="auth-zaamar-governor"),ev("a","official-action","req-r","2022-05-10")]},[gap(CR,"req-r","met",add_cal("2022-04-20",30))],articles=["epl-4.2.4"])
AC="mn.agreement-commitments"
case("instalment-paid-early","An instalment due on 1 Jun 2025 (Children's Day, so due on 2 Jun) paid on 20 May fulfils it; the next, due 1 Jun 2026, is pending on 1 Jul 2025.",[AC],"2025-07-01",{"licences":[lic("lic-1")],"events":[ev("c1","commitment-due","lic-1","2025-06-01"),ev("c2","commitment-due","lic-1","2026-06-01"),ev("p","commitment-fulfilled","lic-1","2025-05-20")]},[gap(AC,"lic-1","met",add_cal("2025-06-01",0)),gap(AC,"lic-1","pending",add_cal("2026-06-01",0))],articles=["minerals-42.1"])
case("one-payment-one-instalment","One payment does not settle two instalments: the older is met, the second unverified.",[AC],"2025-09-01",{"licences":[lic("lic-1")],"events":[ev("c1","commitment-due","lic-1","2025-03-03"),ev("c2","commitment-due","lic-1","2025-06-02"),ev("p","commitment-fulfilled","lic-1","2025-03-01")]},[gap(AC,"lic-1","met",add_cal("2025-03-03",0)),gap(AC,"lic-1","unverified",add_cal("2025-06-02",0))],articles=["minerals-42.1"])
XE="mn.exploration-extension"
case("exploration-extension-a-month-before-expiry","An exploration licence expiring on 15 Sep 2025: the extension was due by 15 Aug; filed on 1 Aug, met.",[XE],"2025-10-01",{"licences":[lic("lic-x","exploration",expires="2025-09-15")],"events":[ev("f","extension-filed","lic-x","2025-08-01")]},[gap(XE,"lic-x","met","2025-08-15")],articles=["minerals-22.1"])
case("extension-duty-not-for-mining-licences","A mining licence expiring: the exploration extension duty does not apply.",[XE],"2025-10-01",{"licences":[lic("lic-m","mining",expires="2025-09-15")]},[],articles=["minerals-22.1"])
WP="mn.water-permit"
case("water-used-without-a-permit","Water use began on 1 Jun 2024; the permit is dated 1 Aug: it did not precede the use, breached.",[WP],"2025-01-01",{"licences":[lic("lic-1")],"events":[ev("u","water-use-started","lic-1","2024-06-01"),ev("p","water-permit","lic-1","2024-08-01")]},[gap(WP,"lic-1","breached","2024-06-01")],articles=["water-28"])
EP="mn.eia-public-participation"
case("deia-approved-without-public-consultation","The detailed EIA was approved on 1 Apr 2024 and the only consultation on record says none was held: breached.",[EP],"2025-01-01",{"licences":[lic("lic-1")],"events":[ev("d","deia-approved","lic-1","2024-04-01"),ev("c","public-consultation","lic-1","2024-03-01",negative=True)]},[gap(EP,"lic-1","breached","2024-04-01")],articles=["eia-18.5"])
DC="mn.disclosure-after-change"
case("disclosure-after-change-under-resolution-411","Information changed on Mon 7 Jun 2021 (Resolution 411/2013 in force): the notice board was due to be updated within 3 days; updated on 9 Jun, met.",[DC],"2021-07-01",{"events":[ev("c","information-changed","auth-zaamar-governor","2021-06-07"),ev("u","disclosure-updated","auth-zaamar-governor","2021-06-09")]},[gap(DC,"auth-zaamar-governor","met",add_cal("2021-06-07",3))],articles=["res411-updates"])

print(n,"cases")
