//! The graded scenarios (issue 3 onwards).
