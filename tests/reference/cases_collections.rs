//! Hand-built histories pinning the reference's semantics: set, queue, counter.

use super::cases::h;
use super::{brute_force, Spec};

fn valid(spec: Spec, text: &str) -> bool {
    brute_force(spec, &h(text))
}

const TWO_ADDS_THEN_READ: &str = "
    0 invoke add 1
    0 ok add 1
    1 invoke add 2
    1 ok add 2
    2 invoke read
    2 ok read RESULT";

#[test]
fn set_read_in_any_order_of_every_added_element_is_valid() {
    assert!(valid(
        Spec::Set,
        &TWO_ADDS_THEN_READ.replace("RESULT", "[2,1]")
    ));
    assert!(valid(
        Spec::Set,
        &TWO_ADDS_THEN_READ.replace("RESULT", "[1,2]")
    ));
}

#[test]
fn set_read_missing_a_completed_add_is_invalid() {
    assert!(!valid(
        Spec::Set,
        &TWO_ADDS_THEN_READ.replace("RESULT", "[1]")
    ));
    assert!(!valid(
        Spec::Set,
        &TWO_ADDS_THEN_READ.replace("RESULT", "[1,2,3]")
    ));
}

#[test]
fn set_read_is_compared_as_a_set() {
    assert!(valid(
        Spec::Set,
        &TWO_ADDS_THEN_READ.replace("RESULT", "[1,2,1]")
    ));
}

#[test]
fn set_info_add_observed_later_is_valid_and_failed_add_is_not() {
    let text = "0 invoke add 1\n0 OUTCOME add 1\n1 invoke read\n1 ok read [1]";
    assert!(valid(Spec::Set, &text.replace("OUTCOME", "info")));
    assert!(!valid(Spec::Set, &text.replace("OUTCOME", "fail")));
}

#[test]
fn queue_dequeues_in_fifo_order() {
    let text = "
        0 invoke enqueue 1
        0 ok enqueue 1
        0 invoke enqueue 2
        0 ok enqueue 2
        1 invoke dequeue
        1 ok dequeue FIRST";
    assert!(valid(Spec::Queue, &text.replace("FIRST", "1")));
    assert!(!valid(Spec::Queue, &text.replace("FIRST", "2")));
}

#[test]
fn queue_dequeue_of_nil_means_empty() {
    assert!(valid(Spec::Queue, "0 invoke dequeue\n0 ok dequeue null"));
    let text = "0 invoke enqueue 1\n0 ok enqueue 1\n1 invoke dequeue\n1 ok dequeue null";
    assert!(!valid(Spec::Queue, text));
}

#[test]
fn queue_dequeue_of_a_never_enqueued_value_is_invalid() {
    let text = "0 invoke enqueue 1\n0 ok enqueue 1\n1 invoke dequeue\n1 ok dequeue 3";
    assert!(!valid(Spec::Queue, text));
}

#[test]
fn queue_info_dequeue_may_have_taken_the_front() {
    let text = "
        0 invoke enqueue 1
        0 ok enqueue 1
        0 invoke enqueue 2
        0 ok enqueue 2
        1 invoke dequeue
        1 info dequeue
        2 invoke dequeue
        2 ok dequeue 2";
    assert!(valid(Spec::Queue, text));
    assert!(!valid(
        Spec::Queue,
        &text.replace("1 info dequeue", "1 fail dequeue")
    ));
}

#[test]
fn queue_info_dequeue_may_have_emptied_the_queue() {
    let text = "
        0 invoke enqueue 1
        0 ok enqueue 1
        1 invoke dequeue
        1 info dequeue
        2 invoke dequeue
        2 ok dequeue null";
    assert!(valid(Spec::Queue, text));
}

#[test]
fn queue_element_is_dequeued_at_most_once_even_with_an_info_dequeue() {
    let text = "
        0 invoke enqueue 1
        0 ok enqueue 1
        1 invoke dequeue
        1 info dequeue
        2 invoke dequeue
        2 ok dequeue 1
        3 invoke dequeue
        3 ok dequeue 1";
    assert!(!valid(Spec::Queue, text));
}

#[test]
fn counter_reads_the_sum_of_adds() {
    let text =
        "0 invoke add 1\n0 ok add 1\n1 invoke add -3\n1 ok add -3\n2 invoke read\n2 ok read SUM";
    assert!(valid(Spec::Counter, &text.replace("SUM", "-2")));
    assert!(!valid(Spec::Counter, &text.replace("SUM", "1")));
}

#[test]
fn counter_read_concurrent_with_an_add_may_see_either_sum() {
    let text = "0 invoke add 2\n1 invoke read\n1 ok read SUM\n0 ok add 2";
    assert!(valid(Spec::Counter, &text.replace("SUM", "0")));
    assert!(valid(Spec::Counter, &text.replace("SUM", "2")));
    assert!(!valid(Spec::Counter, &text.replace("SUM", "4")));
}

#[test]
fn counter_info_add_observed_later_is_valid_and_failed_add_is_not() {
    let text = "0 invoke add 5\n0 OUTCOME add 5\n1 invoke read\n1 ok read 5";
    assert!(valid(Spec::Counter, &text.replace("OUTCOME", "info")));
    assert!(!valid(Spec::Counter, &text.replace("OUTCOME", "fail")));
}
