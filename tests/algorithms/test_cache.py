"""What algorithms keep per study: one entry per study and storage object, rebuilt after
pickling; the scan of the trials finished since the last one."""

import pickle
import threading

import optuna
from optuna.trial import TrialState

from nas_notebook._schema import study_id
from nas_notebook.algorithms._cache import Finished, PicklableLock, StudyCache

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_one_entry_per_study_and_storage_object():
    cache = StudyCache(dict)
    a, b = optuna.create_study(), optuna.create_study()
    # Each in-memory storage numbers its studies from 0: same id, another storage object.
    assert study_id(a) == study_id(b)
    assert cache.find(a) is None
    entry = cache.get(a)
    assert cache.get(a) is entry and cache.find(a) is entry
    assert cache.find(b) is None and cache.get(b) is not entry
    assert cache.reset(b) is not entry and len(cache) == 2


def test_a_cache_pickles_empty_with_a_new_lock():
    cache = StudyCache(dict)
    cache.get(optuna.create_study())
    with cache.lock:
        copy = pickle.loads(pickle.dumps(cache))
    assert len(copy) == 0 and copy.get(optuna.create_study()) == {}
    with copy.lock, copy.lock:  # reentrant, and not held by the original's holder
        pass


def test_a_picklable_lock_is_a_reentrant_lock():
    lock = PicklableLock()
    assert lock.acquire() and lock.acquire(blocking=False)
    lock.release()
    lock.release()
    held = threading.Event()

    def hold():
        with lock:
            held.set()

    thread = threading.Thread(target=hold)
    thread.start()
    thread.join()
    assert held.is_set() and isinstance(pickle.loads(pickle.dumps(lock)), PicklableLock)


def test_each_finished_trial_is_read_once():
    study = optuna.create_study()
    done = Finished()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    running = study.ask()
    fresh, unfinished = done.scan(study.get_trials(deepcopy=False))
    assert [t.number for t in fresh] == [0, 1, 2] and [t.number for t in unfinished] == [3]
    assert (done.seen, done.pending) == (4, [3])  # the next scan looks at trial 3 and on
    study.tell(running, 0.5)
    study.ask()
    study.enqueue_trial({"x": 0.1})
    fresh, unfinished = done.scan(study.get_trials(deepcopy=False))
    assert [t.number for t in fresh] == [3] and [t.number for t in unfinished] == [4, 5]
    assert done.scan(study.get_trials(deepcopy=False))[0] == []


def test_a_list_of_some_states_is_scanned_whole():
    study = optuna.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    study.tell(study.ask(), state=TrialState.PRUNED)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    done = Finished()
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    assert [t.number for t in done.scan(complete)[0]] == [0, 1, 3, 4]
    assert done.seen == 0  # not the whole list: the next scan reads every trial again
    assert [t.number for t in done.scan(study.get_trials(deepcopy=False))[0]] == [2]


def test_a_trial_that_finishes_out_of_order_is_read_once_it_does():
    study = optuna.create_study()
    done = Finished()
    slow, quick = study.ask(), study.ask()
    study.tell(quick, 1.0)
    fresh, unfinished = done.scan(study.get_trials(deepcopy=False))
    assert [t.number for t in fresh] == [1] and [t.number for t in unfinished] == [0]
    study.tell(study.ask(), 2.0)
    assert [t.number for t in done.scan(study.get_trials(deepcopy=False))[0]] == [2]
    study.tell(slow, 3.0)
    fresh, unfinished = done.scan(study.get_trials(deepcopy=False))
    assert [t.number for t in fresh] == [0] and unfinished == []
    assert done.scan(study.get_trials(deepcopy=False)) == ([], [])
