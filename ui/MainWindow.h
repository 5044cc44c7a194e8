// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

class QsciScintilla;

namespace quarry {

/// The main window. For now: the SQL editor alone; the schema tree, results, jobs and
/// connection parts arrive with the UI issue.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

private:
    QsciScintilla* editor_ = nullptr;
};

} // namespace quarry
