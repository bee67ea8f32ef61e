# Combines the Stryker reports under StrykerOutput/ (next to this file): each source file's mutants from the newest run
# that mutated it. Prints the whole engine's score, each folder's, and with an argument each file's.
import json,glob,collections,sys,os
here=os.path.dirname(os.path.abspath(__file__))
runs=sorted(glob.glob(os.path.join(here,'StrykerOutput','*','reports','mutation-report.json')))
latest={}
for p in runs:   # oldest first: later runs replace a file's results
    r=json.load(open(p))
    for f,d in r['files'].items():
        rel=f.split('Cxpa.Engine/')[-1]
        # A run that did not mutate this file (every mutant Ignored, or only compile errors) leaves the earlier result.
        if rel in latest and not any(m['status'] in ('Killed', 'Survived', 'Timeout', 'NoCoverage') for m in d['mutants']): continue
        latest[rel]=(p.split('/')[-3],collections.Counter(m['status'] for m in d['mutants']), d)
def score(c):
    det=c['Killed']+c['Timeout']; v=det+c['Survived']+c['NoCoverage']; return det,v
fold=collections.defaultdict(collections.Counter); tot=collections.Counter(); ca=collections.Counter()
for rel,(run,c,d) in sorted(latest.items()):
    k=rel.split('/')[0] if '/' in rel else '(root)'
    fold[k].update(c); tot.update(c)
    src=d['source'].split('\n')
    for m in d['mutants']:
        l=m['location']['start']['line']
        if m['mutatorName']=='Boolean mutation' and 'ConfigureAwait(' in src[l-1] and m.get('replacement') in ('true','false'):
            ca[m['status']]+=1
det,v=score(tot)
print('WHOLE ENGINE %.2f%% (%d of %d) K=%d T=%d S=%d N=%d CE=%d'%(100*det/v,det,v,tot['Killed'],tot['Timeout'],tot['Survived'],tot['NoCoverage'],tot['CompileError']))
cad=ca['Killed']+ca['Timeout']; cav=cad+ca['Survived']+ca['NoCoverage']
print('without the %d ConfigureAwait(true/false) mutants: %.2f%%'%(cav,100*(det-cad)/(v-cav)))
agg=collections.Counter()
for k,c in sorted(fold.items()):
    d_,v_=score(c); print('  %-12s %6.2f%% (%d of %d)'%(k,100*d_/v_ if v_ else 0,d_,v_))
    if k in ('Http','Downloads','Runs'): agg.update(c)
d_,v_=score(agg); print('  Http+Downloads+Runs %.2f%% (%d of %d)'%(100*d_/v_,d_,v_))
if len(sys.argv)>1:
    for rel,(run,c,d) in sorted(latest.items()):
        d_,v_=score(c)
        if v_: print('%-40s %6.2f%% valid=%d S=%d N=%d  [%s]'%(rel,100*d_/v_,v_,c['Survived'],c['NoCoverage'],run))
